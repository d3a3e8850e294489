"""Value objects carried by complaint actions: resolution, extension, contact-log entry.

Each validates itself on construction and raises :class:`FieldError` naming the field of the
action body that is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from closeloop_intake.domain.errors import FieldError
from closeloop_shared.durations import parse_duration

_CURRENCY = re.compile(r"[A-Z]{3}")
E = TypeVar("E", bound=StrEnum)


class Outcome(StrEnum):
    """The decision on a complaint (R5: unreasonable ones are rejected with a basis)."""

    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    REJECTED = "rejected"


class ContactMethod(StrEnum):
    """How the customer was contacted (R5: phone, e-mail or system message)."""

    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    SYSTEM_MESSAGE = "system_message"
    WECHAT = "wechat"
    LETTER = "letter"
    IN_PERSON = "in_person"


class Direction(StrEnum):
    """Whether we contacted the customer or they contacted us."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


def parse_enum(enum: type[E], field: str, value: str) -> E:
    """``enum(value)`` or a :class:`FieldError` on ``field`` listing the accepted values."""
    try:
        return enum(value)
    except ValueError:
        raise FieldError(field, f"'{value}' is not one of {[str(m) for m in enum]}") from None


def _require_text(field: str, value: str) -> None:
    if not value.strip():
        raise FieldError(field, "must not be empty")


@dataclass(frozen=True)
class Resolution:
    """How a complaint was decided, on what basis, and what remedy the customer gets."""

    outcome: Outcome
    basis: str
    remedy: str | None = None
    compensation_amount: Decimal | None = None
    currency: str | None = None

    def __post_init__(self) -> None:
        parse_enum(Outcome, "outcome", self.outcome)
        _require_text("basis", self.basis)
        if self.compensation_amount is None:
            if self.currency is not None:
                raise FieldError("currency", "given without compensation_amount")
            return
        if not self.compensation_amount.is_finite() or self.compensation_amount < 0:
            raise FieldError("compensation_amount", "must be a non-negative amount")
        if self.currency is None or not _CURRENCY.fullmatch(self.currency):
            raise FieldError("currency", "must be an ISO 4217 code such as 'CNY'")


@dataclass(frozen=True)
class Extension:
    """A recorded extension of the complaint's time limit (R4).

    Exactly one of ``new_deadline`` (timezone-aware) and ``duration``: an ISO-8601 duration
    in the one grammar of :mod:`closeloop_shared.durations`, kept as the text entered, since
    the SLA service adds it in the clock's calendar (``PT24H`` is 24 working hours, ``P1D``
    one working day: re-formatting would change its meaning). The documents allow an
    extension only with the customer's consent or where law requires it, so one of
    ``customer_consented`` and ``legal_basis`` must hold.
    """

    reason: str
    customer_consented: bool
    new_deadline: datetime | None = None
    duration: str | None = None
    legal_basis: str | None = None

    def __post_init__(self) -> None:
        _require_text("reason", self.reason)
        if (self.new_deadline is None) == (self.duration is None):
            raise FieldError("new_deadline", "give exactly one of new_deadline and duration")
        if self.new_deadline is not None and self.new_deadline.utcoffset() is None:
            raise FieldError("new_deadline", "must carry a time zone")
        if self.duration is not None:
            _check_duration(self.duration)
        if not self.customer_consented and not (self.legal_basis or "").strip():
            raise FieldError(
                "customer_consented", "an extension needs the customer's consent or a legal_basis"
            )

    def check_later_than(self, current_deadline: datetime) -> None:
        """Refuse a ``new_deadline`` that would not actually extend ``current_deadline``."""
        if self.new_deadline is not None and self.new_deadline <= current_deadline:
            raise FieldError("new_deadline", "must be later than the current deadline")


@dataclass(frozen=True)
class ContactEntry:
    """One entry of the communication record kept with the complaint (R5)."""

    method: ContactMethod
    direction: Direction
    summary: str

    def __post_init__(self) -> None:
        parse_enum(ContactMethod, "method", self.method)
        parse_enum(Direction, "direction", self.direction)
        _require_text("summary", self.summary)


def _check_duration(text: str) -> None:
    try:
        duration = parse_duration(text)
    except ValueError as error:
        raise FieldError("duration", str(error)) from None
    if duration.is_zero:
        raise FieldError("duration", "must be positive")
