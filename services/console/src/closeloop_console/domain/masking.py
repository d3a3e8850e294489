"""Contact data is masked on screen unless the user reveals it (and may: ``pii:read``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONTACT_FIELDS = ("name", "phone", "email", "address")


def mask_value(field: str, value: str | None) -> str | None:
    """Keep just enough to recognise a caller on the phone: the last digits, the domain."""
    if not value:
        return value
    if field == "phone":
        digits = [c for c in value if c.isdigit()]
        return "•" * max(len(digits) - 4, 3) + "".join(digits[-4:])
    if field == "email":
        local, _, domain = value.partition("@")
        return (local[:1] + "•••@" + domain) if domain else "•••"
    if field == "name":
        return value[:1] + "•" * max(len(value) - 1, 1)
    return "•••"


def masked_customer(
    customer: Mapping[str, Any], *, revealed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The customer as shown: masked, unless ``revealed`` (intake's audited reveal answer)
    gives the contact fields in clear (services mask already without pii)."""
    shown = dict(customer)
    if revealed is not None:
        return shown | {field: revealed.get(field) for field in CONTACT_FIELDS}
    for field in CONTACT_FIELDS:
        value = shown.get(field)
        shown[field] = mask_value(field, value) if isinstance(value, str) else value
    return shown
