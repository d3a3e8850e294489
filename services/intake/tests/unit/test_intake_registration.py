"""Validation of a registration form: every bad field named, severity graded with a reason."""

from __future__ import annotations

import pytest

from closeloop_intake.domain.errors import InvalidInput
from closeloop_intake.domain.registration import (
    Attachment,
    Customer,
    Limits,
    RegistrationForm,
    detect_language,
    validate_registration,
)
from closeloop_intake.domain.severity import GIVEN_BY_CALLER
from closeloop_intake.domain.taxonomy import Taxonomy

REACHABLE = Customer(name="张伟", phone="+8613800138000")


def form(**kw: object) -> RegistrationForm:
    base: dict[str, object] = {
        "channel": "web",
        "kind": "complaint",
        "customer": REACHABLE,
        "description": "账单重复扣费两次",
        "demand": "退还重复扣款",
        "category": "billing",
    }
    return RegistrationForm(**(base | kw))  # type: ignore[arg-type]


def invalid_fields(f: RegistrationForm, **kw: object) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        validate_registration(f, **kw)  # type: ignore[arg-type]
    return [e.field for e in caught.value.errors]


def test_missing_severity_is_graded_from_keywords_with_the_reason() -> None:
    reg = validate_registration(form())
    assert reg.severity == "major"
    assert "重复扣费" in reg.severity_reason


def test_given_severity_is_kept_and_says_so() -> None:
    reg = validate_registration(form(severity="urgent"))
    assert (reg.severity, reg.severity_reason) == ("urgent", GIVEN_BY_CALLER)


def test_a_complaint_without_any_contact_is_refused_naming_customer() -> None:
    assert invalid_fields(form(customer=Customer(name="张伟"))) == ["customer"]


def test_praise_may_be_anonymous() -> None:
    reg = validate_registration(form(kind="praise", customer=Customer()))
    assert reg.severity == "low"


def test_every_bad_field_is_named_at_once() -> None:
    bad = form(
        customer=Customer(),
        description=" ",
        demand="x" * 51,
        category="weather",
        severity="catastrophic",
        location="y" * 11,
        attachments=(Attachment("a.jpg"), Attachment("b.jpg")),
    )
    limits = Limits(text_max_chars=50, field_max_chars=10, attachments_max=1)
    fields = invalid_fields(bad, limits=limits)
    expected = ["description", "demand", "location", "attachments", "customer", "category"]
    assert sorted(fields) == sorted([*expected, "severity"])


def test_category_comes_from_the_configured_taxonomy() -> None:
    taxonomy = Taxonomy(categories=frozenset({"network", "other"}))
    assert validate_registration(form(category="Network"), taxonomy=taxonomy).category == "network"
    assert invalid_fields(form(category="billing"), taxonomy=taxonomy) == ["category"]


def test_missing_category_defaults_to_other() -> None:
    # A text no category rule recognises (others are derived: test_intake_categorise).
    unrecognised = form(category=None, description="我有意见", demand="请回复")
    assert validate_registration(unrecognised).category == "other"


def test_language_is_detected_unless_given() -> None:
    assert validate_registration(form()).language == "zh-CN"
    english = form(description="charged twice", demand="refund")
    assert validate_registration(english).language == "en"
    assert validate_registration(form(language="en")).language == "en"
    assert detect_language("Hello 你好") == "zh-CN"


def test_contact_methods_list_what_is_reachable() -> None:
    customer = Customer(phone=" ", email="a@b.cn", address="上海")
    assert customer.contact_methods() == ["email", "address"]
