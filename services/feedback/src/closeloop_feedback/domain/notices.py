"""Which notice a complaint event triggers, and which of its fields a customer may see.

Templates receive only the allow-listed, customer-facing fields below: internal notes, the
contact log, routing reasons and agents' names never reach a template, so no template can
leak them however it is edited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum


class Template(StrEnum):
    """Customer notices (R5 progress, decision and basis; R6 callback survey)."""

    acknowledged = "acknowledged"
    in_progress = "in_progress"
    awaiting_customer = "awaiting_customer"
    delayed = "delayed"
    extended = "extended"
    resolved = "resolved"
    reopened = "reopened"
    survey = "survey"
    survey_reminder = "survey_reminder"


class Language(StrEnum):
    zh_cn = "zh-CN"
    en = "en"


def normalize_language(value: str | None) -> Language:
    """English for any ``en*`` tag, Simplified Chinese otherwise (the documents' language)."""
    return Language.en if (value or "").lower().startswith("en") else Language.zh_cn


# Complaint changes the customer should hear about (a note or a department change is not).
_CHANGE_TEMPLATES = {
    "acknowledged": Template.acknowledged,
    "started": Template.in_progress,
    "awaiting_customer": Template.awaiting_customer,
    "extended": Template.extended,
    "resolved": Template.resolved,
    "reopened": Template.reopened,
}

# The customer-facing fields each template may use; everything else is dropped.
CUSTOMER_FIELDS: dict[Template, frozenset[str]] = {
    Template.acknowledged: frozenset(),
    Template.in_progress: frozenset(),
    Template.awaiting_customer: frozenset(),
    Template.delayed: frozenset({"clock", "deadline", "complex_case"}),
    Template.extended: frozenset({"clock", "reason", "new_deadline"}),
    Template.resolved: frozenset(
        {"outcome", "basis", "remedy", "compensation_amount", "compensation_currency"}
    ),
    Template.reopened: frozenset(),
    Template.survey: frozenset({"survey_id", "expires_at"}),
    Template.survey_reminder: frozenset({"survey_id", "expires_at"}),
}

SURVEY_TEMPLATES = frozenset({Template.survey, Template.survey_reminder})


def template_for_change(change: str) -> Template | None:
    """The notice for a complaint change (``"resolved"``...), None when the customer is
    not told about it."""
    return _CHANGE_TEMPLATES.get(change)


def template_for_breach(clock: str, notice_clocks: Collection[str]) -> Template | None:
    """A missed customer-facing time limit is a delay the customer is told about (R4: "if
    late, the customer is told why")."""
    return Template.delayed if clock in notice_clocks else None


def customer_params(template: Template, fields: Mapping[str, object]) -> dict[str, object]:
    """Only the allow-listed fields of ``template`` with a value."""
    allowed = CUSTOMER_FIELDS[template]
    return {k: v for k, v in fields.items() if k in allowed and v is not None and v != ""}
