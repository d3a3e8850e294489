"""Resolution, extension and contact-log values refuse bad input, naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from closeloop_intake.domain.complaint import (
    ContactEntry,
    ContactMethod,
    Direction,
    Extension,
    Outcome,
    Resolution,
    parse_enum,
)
from closeloop_intake.domain.errors import FieldError

DEADLINE = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def test_a_rejection_with_its_basis_is_a_valid_resolution() -> None:
    resolution = Resolution(Outcome.REJECTED, "合同第5条：已超过退货期")
    assert resolution.compensation_amount is None


def test_an_upheld_complaint_may_carry_remedy_and_compensation() -> None:
    resolution = Resolution(Outcome.UPHELD, "重复扣费属实", "退还重复扣款", Decimal("25.00"), "CNY")
    assert resolution.compensation_amount == Decimal("25.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "maybe", "basis": "x"}, "outcome"),
        ({"outcome": "upheld", "basis": "  "}, "basis"),
        ({"outcome": "upheld", "basis": "x", "currency": "CNY"}, "currency"),
        ({"outcome": "upheld", "basis": "x", "compensation_amount": Decimal(-1), "currency": "CNY"},
         "compensation_amount"),
        ({"outcome": "upheld", "basis": "x", "compensation_amount": Decimal("NaN"),
          "currency": "CNY"}, "compensation_amount"),
        ({"outcome": "upheld", "basis": "x", "compensation_amount": Decimal(5)}, "currency"),
        ({"outcome": "upheld", "basis": "x", "compensation_amount": Decimal(5), "currency": "rmb"},
         "currency"),
    ],
)  # fmt: skip
def test_invalid_resolution_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(FieldError) as error:
        Resolution(**kwargs)
    assert error.value.field == field


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reason": "需要第三方鉴定", "customer_consented": True, "duration": "P3D"},
        {"reason": "法定鉴定期", "customer_consented": False, "legal_basis": "《产品质量法》",
         "new_deadline": DEADLINE},
    ],
)  # fmt: skip
def test_valid_extensions(kwargs: dict[str, Any]) -> None:
    Extension(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": " ", "customer_consented": True, "duration": "P1D"}, "reason"),
        ({"reason": "r", "customer_consented": True}, "new_deadline"),
        ({"reason": "r", "customer_consented": True, "duration": "P1D",
          "new_deadline": DEADLINE}, "new_deadline"),
        ({"reason": "r", "customer_consented": True,
          "new_deadline": DEADLINE.replace(tzinfo=None)}, "new_deadline"),
        ({"reason": "r", "customer_consented": True, "duration": "PT0S"}, "duration"),
        ({"reason": "r", "customer_consented": True, "duration": "P1W"}, "duration"),
        ({"reason": "r", "customer_consented": True, "duration": "3 days"}, "duration"),
        ({"reason": "r", "customer_consented": False, "duration": "P1D"},
         "customer_consented"),
    ],
)  # fmt: skip
def test_invalid_extension_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(FieldError) as error:
        Extension(**kwargs)
    assert error.value.field == field


def test_an_extension_must_move_the_deadline_later() -> None:
    extension = Extension("鉴定", True, new_deadline=DEADLINE)
    extension.check_later_than(DEADLINE - timedelta(hours=1))
    with pytest.raises(FieldError, match="later"):
        extension.check_later_than(DEADLINE)


def test_contact_entries_record_method_direction_and_summary() -> None:
    entry = ContactEntry(ContactMethod.PHONE, Direction.OUTBOUND, "告知处理进度")
    assert entry.method == "phone"
    with pytest.raises(FieldError) as error:
        ContactEntry("pigeon", Direction.OUTBOUND, "x")  # type: ignore[arg-type]
    assert error.value.field == "method"
    with pytest.raises(FieldError) as error:
        ContactEntry(ContactMethod.EMAIL, Direction.INBOUND, "")
    assert error.value.field == "summary"


def test_parse_enum_lists_the_accepted_values() -> None:
    assert parse_enum(Outcome, "outcome", "partially_upheld") is Outcome.PARTIALLY_UPHELD
    with pytest.raises(FieldError, match="partially_upheld"):
        parse_enum(Outcome, "outcome", "partly")
