"""Categories, channels and kinds a complaint is classified by (requirements R1, R2).

The defaults come from the source documents; each enterprise may configure its own
categories, so validation takes a :class:`Taxonomy` rather than the enums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from closeloop_intake.domain.errors import FieldError


class Category(StrEnum):
    """Default complaint types (000 §三(二)1, 002 第八条)."""

    PRODUCT_QUALITY = "product_quality"
    SERVICE_ATTITUDE = "service_attitude"
    BUSINESS_HANDLING = "business_handling"
    BILLING = "billing"
    DELIVERY = "delivery"
    OTHER = "other"


class Channel(StrEnum):
    """Where a complaint came in (002 ch.2, 004 §二(一))."""

    PHONE = "phone"
    WEB = "web"
    EMAIL = "email"
    WALK_IN = "walk_in"
    SOCIAL = "social"
    WECHAT = "wechat"
    THIRD_PARTY = "third_party"
    OTHER = "other"


class Kind(StrEnum):
    """What sort of feedback it is (004 §二(二)2)."""

    COMPLAINT = "complaint"
    GRIEVANCE = "grievance"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


DEFAULT_CATEGORY = Category.OTHER


@dataclass(frozen=True)
class Taxonomy:
    """The values an enterprise accepts for each classification field."""

    categories: frozenset[str] = field(default_factory=lambda: frozenset(Category))
    channels: frozenset[str] = field(default_factory=lambda: frozenset(Channel))
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(Kind))


DEFAULT_TAXONOMY = Taxonomy()


def _validate(field_name: str, value: str | None, allowed: frozenset[str]) -> str:
    normalized = (value or "").strip().lower()
    if normalized not in allowed:
        raise FieldError(field_name, f"'{value}' is not one of {sorted(allowed)}")
    return normalized


def validate_category(category: str | None, taxonomy: Taxonomy = DEFAULT_TAXONOMY) -> str:
    """Return the normalized category; a missing one becomes ``other``.

    Raises :class:`FieldError` naming ``category`` and the accepted values otherwise.
    """
    if category is None or not category.strip():
        if DEFAULT_CATEGORY in taxonomy.categories:
            return str(DEFAULT_CATEGORY)
        raise FieldError("category", "is required by this taxonomy")
    return _validate("category", category, taxonomy.categories)


def validate_channel(channel: str | None, taxonomy: Taxonomy = DEFAULT_TAXONOMY) -> str:
    """Return the normalized channel or raise :class:`FieldError` naming ``channel``."""
    return _validate("channel", channel, taxonomy.channels)


def validate_kind(kind: str | None, taxonomy: Taxonomy = DEFAULT_TAXONOMY) -> str:
    """Return the normalized kind or raise :class:`FieldError` naming ``kind``."""
    return _validate("kind", kind, taxonomy.kinds)
