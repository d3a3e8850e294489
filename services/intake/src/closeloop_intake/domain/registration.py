"""Registering a complaint: the form every channel fills in, and its validation (R1, R2).

Validation collects every problem before refusing, so a channel learns all its bad fields
at once. Types and enumerations are checked by the channel adapters (the HTTP schema, the
mail parser); this module checks what the enterprise configures: the category taxonomy,
text lengths, attachment counts, severity rules, and the contact a complaint needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from closeloop_intake.domain.categorise import (
    DEFAULT_CATEGORY_RULES,
    GIVEN_BY_CALLER,
    NO_CATEGORY_RULE,
    CategoryRule,
    Spans,
    derive_category,
)
from closeloop_intake.domain.errors import FieldError, InvalidInput
from closeloop_intake.domain.severity import DEFAULT_SEVERITY_RULES, SeverityRule, grade_severity
from closeloop_intake.domain.taxonomy import DEFAULT_TAXONOMY, Taxonomy, validate_category

# Kinds that need an answer, so the customer must be reachable (praise may be anonymous).
KINDS_NEEDING_CONTACT = frozenset({"complaint", "grievance"})


@dataclass(frozen=True)
class Limits:
    """Configured bounds on what one complaint may carry."""

    text_max_chars: int = 10_000  # description, demand
    field_max_chars: int = 500  # location, against, names, addresses...
    attachments_max: int = 20


@dataclass(frozen=True)
class Customer:
    """Who complains and how to reach them (all optional; see KINDS_NEEDING_CONTACT)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    customer_id: str | None = None
    tier: str | None = None

    def contact_methods(self) -> list[str]:
        """The ways the customer can be reached, in the event's vocabulary."""
        given = (("phone", self.phone), ("email", self.email), ("address", self.address))
        return [method for method, value in given if value and value.strip()]


@dataclass(frozen=True)
class Attachment:
    """Metadata of an attached file; the content lives in the enterprise's file store."""

    filename: str
    content_type: str = "application/octet-stream"
    size_bytes: int = 0
    url: str | None = None


@dataclass(frozen=True)
class RegistrationForm:
    """What a channel supplies to register a complaint (enumerations already parsed)."""

    channel: str
    kind: str
    customer: Customer
    description: str
    demand: str = ""
    location: str | None = None  # where it happened
    against: str | None = None  # against whom or what
    region: str | None = None
    product: str | None = None
    category: str | None = None
    severity: str | None = None
    occurred_at: datetime | None = None
    received_by: str | None = None
    language: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class Registration:
    """A validated form plus what intake derived from it."""

    form: RegistrationForm
    category: str
    severity: str
    severity_reason: str
    language: str
    category_reason: str = GIVEN_BY_CALLER


def detect_language(text: str) -> str:
    """``zh-CN`` when the text contains CJK ideographs, else ``en``."""
    return "zh-CN" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _length_errors(form: RegistrationForm, limits: Limits) -> list[FieldError]:
    errors: list[FieldError] = []
    if not form.description.strip():
        errors.append(FieldError("description", "must not be empty"))
    long_texts = {"description": form.description, "demand": form.demand}
    short_texts = {
        name: getattr(form, name) for name in ("location", "against", "region", "product")
    }
    short_texts |= {f"customer.{f.name}": getattr(form.customer, f.name) for f in fields(Customer)}
    for name, value in long_texts.items():
        if len(value) > limits.text_max_chars:
            errors.append(FieldError(name, f"longer than {limits.text_max_chars} characters"))
    for name, value in short_texts.items():
        if value is not None and len(value) > limits.field_max_chars:
            errors.append(FieldError(name, f"longer than {limits.field_max_chars} characters"))
    if len(form.attachments) > limits.attachments_max:
        errors.append(FieldError("attachments", f"more than {limits.attachments_max} attachments"))
    return errors


def validate_registration(
    form: RegistrationForm,
    *,
    taxonomy: Taxonomy = DEFAULT_TAXONOMY,
    rules: Sequence[SeverityRule] = DEFAULT_SEVERITY_RULES,
    limits: Limits = Limits(),
    category_rules: Sequence[CategoryRule] = DEFAULT_CATEGORY_RULES,
    spans: Spans | None = None,
) -> Registration:
    """Check ``form`` against the configuration and derive category, severity and language.

    Raises :class:`InvalidInput` listing every bad field. A severity left out is graded by
    ``rules`` and the reason recorded; a given one is kept ("given by caller"). So is the
    category: one left out is derived from the text by ``category_rules`` (Chinese
    segmented by ``spans``), with its reason.
    """
    errors = _length_errors(form, limits)
    if form.kind in KINDS_NEEDING_CONTACT and not form.customer.contact_methods():
        errors.append(FieldError("customer", f"a {form.kind} needs a phone, email or address"))
    category, category_reason = "", GIVEN_BY_CALLER
    text = f"{form.description}\n{form.demand}\n{form.against or ''}"
    derived = None
    if form.category is None or not form.category.strip():
        derived = derive_category(text, category_rules, allowed=taxonomy.categories, spans=spans)
    try:
        if derived is not None:
            category, category_reason = derived
        else:
            category = validate_category(form.category, taxonomy)
            if form.category is None or not form.category.strip():
                category_reason = f"{NO_CATEGORY_RULE} '{category}'"
    except FieldError as exc:
        errors.append(exc)
    severity, reason = "normal", ""
    try:
        graded, reason = grade_severity(text, category, form.kind, rules, form.severity)
        severity = str(graded)
    except FieldError as exc:
        errors.append(exc)
    if errors:
        raise InvalidInput(errors)
    language = form.language or detect_language(f"{form.description}{form.demand}")
    return Registration(form, category, severity, reason, language, category_reason)
