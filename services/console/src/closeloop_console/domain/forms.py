"""Forms built from the services' request schemas, and the services' errors placed on them.

Each lifecycle action's form mirrors intake's body schema for that action (intake validates
again; the console never decides what is valid). A 422's ``fields`` are put next to the
form field of the same dotted name; errors naming no known field are shown on the form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    name: str  # dotted path into the JSON body, e.g. "customer.phone"
    kind: str = "text"  # text, textarea, select, checkbox, email, tel, datetime
    required: bool = False
    options: tuple[str, ...] = ()

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


NOTE = Field("note", "textarea")

ACTION_FIELDS: dict[str, tuple[Field, ...]] = {
    "notes": (Field("text", "textarea", required=True),),
    "contact": (
        Field(
            "method",
            "select",
            required=True,
            options=("phone", "email", "sms", "system_message", "wechat", "letter", "in_person"),
        ),
        Field("direction", "select", options=("outbound", "inbound")),
        Field("summary", "textarea", required=True),
        NOTE,
    ),
    "await-customer": (Field("reason"), NOTE),
    "resolve": (
        Field(
            "outcome", "select", required=True, options=("upheld", "partially_upheld", "rejected")
        ),
        Field("basis", "textarea", required=True),
        Field("remedy", "textarea"),
        Field("compensation_amount"),
        Field("currency"),
        NOTE,
    ),
    "reopen": (Field("reason", required=True), NOTE),
    "extend": (
        Field("reason", required=True),
        Field("customer_consented", "checkbox"),
        Field("duration"),
        Field("legal_basis"),
        Field("clock"),
        NOTE,
    ),
}

CHANNELS = ("phone", "walk_in", "email", "web", "wechat", "social", "third_party", "other")
KINDS = ("complaint", "grievance", "suggestion", "praise")

NEW_COMPLAINT_FIELDS: tuple[Field, ...] = (
    Field("channel", "select", required=True, options=CHANNELS),
    Field("kind", "select", required=True, options=KINDS),
    Field("customer.phone", "tel"),
    Field("customer.name"),
    Field("customer.email", "email"),
    Field("customer.address"),
    Field("description", "textarea", required=True),
    Field("demand", "textarea"),
    Field("product"),
    Field("location"),
)


def action_fields(action: str) -> tuple[Field, ...]:
    """The form of a lifecycle action; actions without a schema of their own take a note."""
    return ACTION_FIELDS.get(action, (NOTE,))


def body_from_form(fields: Sequence[Field], form: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body: empty inputs are left out (the service applies its defaults),
    checkboxes become booleans, dotted names nest."""
    body: dict[str, Any] = {}
    for f in fields:
        if f.kind == "checkbox":
            value: Any = form.get(f.name) in {"on", "true", "1"}
        else:
            raw = form.get(f.name, "")
            value = raw.strip() if isinstance(raw, str) else raw
            if value == "":
                continue
        _put(body, f.name.split("."), value)
    return body


def _put(target: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


@dataclass
class FormErrors:
    """Problems by field name, and those that name no field of the form."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)


def place_errors(
    fields: Iterable[Field] | Iterable[str], problem: Mapping[str, Any], *, body_root: str = ""
) -> FormErrors:
    """Put a service's error ``{"message", "fields": [{"field", "problem"}]}`` on the form."""
    names = {f.name if isinstance(f, Field) else f for f in fields}
    out = FormErrors()
    for item in problem.get("fields") or []:
        name = str(item.get("field", ""))
        if body_root and name.startswith(body_root + "."):
            name = name[len(body_root) + 1 :]
        text = str(item.get("problem", "invalid"))
        if name in names:
            out.by_field.setdefault(name, []).append(text)
        else:
            out.general.append(f"{name}: {text}" if name else text)
    if not out and problem.get("message"):
        out.general.append(str(problem["message"]))
    return out
