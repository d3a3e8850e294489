"""Category from the text: keyword rules per category in Chinese and English, Chinese
matched on jieba's word boundaries, the reason recorded as severity's is."""

from __future__ import annotations

import pytest

from closeloop_intake.domain.categorise import (
    GIVEN_BY_CALLER,
    CategoryRule,
    derive_category,
)
from closeloop_intake.domain.registration import (
    Customer,
    RegistrationForm,
    validate_registration,
)
from closeloop_shared.segmentation import word_spans


@pytest.mark.parametrize(
    ("text", "category", "keyword"),
    [
        ("这个月的账单重复扣费了", "billing", "扣费"),
        ("快递三天了还没有送货上门", "delivery", "快递"),
        ("新买的洗衣机漏水，质量太差", "product_quality", "漏水"),
        ("客服态度恶劣，还辱骂我", "service_attitude", "辱骂"),
        ("这个月话费太高了", "billing", "话费"),
        ("去营业厅办理销户手续排了两小时", "business_handling", "办理"),
        ("I was charged twice on my last invoice", "billing", "invoice"),
        ("The courier left my parcel in the rain", "delivery", "parcel"),
        ("The kettle arrived broken and is defective", "product_quality", "broken"),
    ],
)
def test_the_text_gives_the_category_and_the_reason_names_the_keywords(
    text: str, category: str, keyword: str
) -> None:
    derived = derive_category(text, spans=word_spans)
    assert derived is not None
    assert derived[0] == category
    assert f"'{keyword}'" in derived[1] and derived[1].startswith(category.split("_")[0])


def test_the_category_with_most_keywords_wins_and_ties_go_to_the_first_rule() -> None:
    rules = (
        CategoryRule("billing", ("refund",), "billing terms"),
        CategoryRule("delivery", ("parcel", "courier"), "delivery terms"),
    )
    derived = derive_category("Courier lost my parcel; I want a refund", rules)
    assert derived == ("delivery", "delivery terms (keywords 'parcel', 'courier')")
    assert derive_category("refund for the parcel", rules) == (
        "billing",
        "billing terms (keyword 'refund')",
    )


def test_chinese_keywords_do_not_straddle_words_when_segmented() -> None:
    """ "话费" occurs in "他说话费劲" as characters, across the words 说话 and 费劲."""
    rules = (CategoryRule("billing", ("话费", "服务费")),)
    text = "他说话费劲"
    assert derive_category(text, rules) is not None  # a plain substring would match
    assert derive_category(text, rules, spans=word_spans) is None
    assert derive_category("这个月话费太高", rules, spans=word_spans) == (
        "billing",
        "rule for billing (keyword '话费')",
    )


def test_only_the_enterprises_categories_are_derived() -> None:
    assert derive_category("账单有问题", allowed={"other", "delivery"}) is None


def _form(category: str | None, text: str) -> RegistrationForm:
    return RegistrationForm(
        channel="web",
        kind="complaint",
        customer=Customer(phone="+8613800138000"),
        description=text,
        category=category,
    )


def test_registration_derives_a_missing_category_and_records_why() -> None:
    reg = validate_registration(_form(None, "快递员把包裹扔在门口"), spans=word_spans)
    assert reg.category == "delivery" and "'快递员'" in reg.category_reason
    given = validate_registration(_form("billing", "快递员把包裹扔在门口"))
    assert (given.category, given.category_reason) == ("billing", GIVEN_BY_CALLER)
    unknown = validate_registration(_form(None, "随便说说"))
    assert unknown.category == "other" and "no category rule matched" in unknown.category_reason


def test_a_derived_category_feeds_severity_rules_that_need_it() -> None:
    from closeloop_intake.domain.severity import Severity, SeverityRule

    rules = (SeverityRule(Severity.MAJOR, categories=("billing",), reason="billing is major"),)
    reg = validate_registration(_form(None, "账单不对"), rules=rules, spans=word_spans)
    assert (reg.category, reg.severity) == ("billing", "major")
