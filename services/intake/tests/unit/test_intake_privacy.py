"""Masking for readers without pii:read, and redaction of text that leaves the service."""

from __future__ import annotations

import pytest

from closeloop_intake.domain.privacy import (
    mask_address,
    mask_email,
    mask_identifier,
    mask_name,
    mask_phone,
    normalize_phone,
)
from closeloop_intake.service.redaction import redact_text


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613800138000", "+86138****8000"),
        ("13800138000", "138****8000"),
        ("+86 138-0013-8000", "+86138****8000"),
        ("1234567", "*****67"),
    ],
)
def test_phone_keeps_prefix_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_email_keeps_first_letter_and_domain() -> None:
    assert mask_email("zw@example.com") == "z***@example.com"
    assert mask_email("zhang.wei+x@example.com") == "z***@example.com"


def test_name_keeps_first_character_of_each_word() -> None:
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("John Smith") == "J*** S****"


def test_address_and_identifier_keep_only_a_short_prefix() -> None:
    assert mask_address("上海市人民路1号") == "上海市***"
    assert mask_identifier("C-1001") == "C-***"
    assert "人民路" not in mask_address("上海市人民路1号")


def test_normalize_phone_drops_separators() -> None:
    assert normalize_phone(" +86 (138) 0013-8000 ") == "+8613800138000"


def test_redaction_replaces_the_customers_own_details() -> None:
    text = "我是张伟，电话+8613800138000，邮箱zw@example.com，账单重复扣费"
    out = redact_text(text, names=["张伟"], phones=["+8613800138000"], emails=["zw@example.com"])
    assert out == "我是[name]，电话[phone]，邮箱[email]，账单重复扣费"


def test_redaction_finds_a_phone_written_without_country_code() -> None:
    out = redact_text("call 13800138000 please", phones=["+8613800138000"])
    assert "13800138000" not in out
    assert "[phone]" in out


def test_redaction_masks_other_peoples_phones_and_emails_too() -> None:
    out = redact_text("经理王五 139-1234-5678, boss@corp.example.cn 态度差")
    assert "1234" not in out and "boss@" not in out
    assert out.count("[phone]") == 1 and out.count("[email]") == 1


def test_latin_names_are_redacted_as_whole_words_only() -> None:
    out = redact_text("Li says the delivery to Li's house failed", names=["Li"])
    assert out == "[name] says the delivery to [name]'s house failed"


def test_latin_names_match_letters_that_fold_to_ascii() -> None:
    # The Kelvin sign and the long s match k and s case-insensitively, also as word edges.
    out = redact_text("\u212aate said: ask \u017fam, not kate\u017f", names=["Kate", "Sam"])
    assert out == "[name] said: ask [name], not kate\u017f"


def test_redaction_ignores_missing_details() -> None:
    assert redact_text("nothing personal", names=[None, ""], phones=[None]) == "nothing personal"


def test_redaction_takes_the_customers_address_and_everyone_elses_data() -> None:
    text = (
        "张伟 lives at 12 Garden Lane; his landlord 李四 (身份证 11010519491231002X, "
        "卡号 6222021234567890128) lives at 北京市海淀区中关村大街27号1801室. "
        "Order 2026112212345678 is still missing."
    )
    out = redact_text(text, names=["张伟"], addresses=["12 Garden Lane"])
    assert out == (
        "[name] lives at [address]; his landlord 李四 (身份证 [id], "
        "卡号 [card]) lives at [address]. Order 2026112212345678 is still missing."
    )
