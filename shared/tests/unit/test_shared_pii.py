"""Personal data in free text: found by pattern and checksum, references left alone."""

from __future__ import annotations

import pytest

from closeloop_shared.pii import (
    contains_personal_data,
    is_cn_resident_id,
    passes_luhn,
    redact_personal_data,
)

ID_NUMBER = "11010519491231002X"  # the GB 11643 example: check character X
ID_NUMBER_DIGIT = "440308199901011234"
CARD = "6222021234567890128"  # 19 digits, Luhn-valid
VISA = "4111 1111 1111 1111"


def test_resident_id_checksum() -> None:
    assert is_cn_resident_id(ID_NUMBER)
    assert is_cn_resident_id(ID_NUMBER.lower())
    assert is_cn_resident_id(ID_NUMBER_DIGIT)
    assert not is_cn_resident_id("110105194912310021")  # wrong check character
    assert not is_cn_resident_id("11010519491231002")  # 17 characters
    assert not is_cn_resident_id("X10105194912310021")


def test_luhn() -> None:
    assert passes_luhn("4111111111111111")
    assert passes_luhn(CARD)
    assert not passes_luhn("4111111111111112")
    assert not passes_luhn("6222021234567890126")
    assert not passes_luhn("4111-1111")


def test_a_chinese_complaint_full_of_personal_data() -> None:
    text = (
        f"我叫张伟，身份证号{ID_NUMBER}，住在北京市朝阳区建国路88号SOHO现代城3号楼1502室，"
        f"手机13800138000，座机010-65529988，银行卡{CARD}被重复扣费两次，"
        "请联系我的邮箱 zhang.wei+bank@example.com.cn。"
    )
    out = redact_personal_data(text)
    assert out == (
        "我叫张伟，身份证号[id]，住在[address]，手机[phone]，座机[phone]，"
        "银行卡[card]被重复扣费两次，请联系我的邮箱 [email]。"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "快递寄到上海市浦东新区世纪大道100号环球金融中心45层，联系人 +86 139-1234-5678",
            "快递寄到[address]，联系人 [phone]",
        ),
        (
            "收货地址：广东省深圳市南山区深南大道9988号，电话0755-86013388",
            "收货地址：[address]，电话[phone]",
        ),
        ("我家在杭州市西湖区文三路478号2幢301室", "我家在[address]"),
        ("送到3号楼2单元501室门口", "送到[address]门口"),
        ("座机(021) 6888 8888转分机", "座机[phone]转分机"),
        ("手机号0086 13912345678", "手机号[phone]"),
        (f"身份证{ID_NUMBER_DIGIT}已验证", "身份证[id]已验证"),
    ],
)
def test_chinese_details(text: str, expected: str) -> None:
    assert redact_personal_data(text) == expected


def test_an_english_complaint_full_of_personal_data() -> None:
    text = (
        "Please call me at +44 20 7946 0958 or (415) 555-0132, or my wife on 415.555.0199. "
        f"I live at 221B Baker Street, London. Card {VISA} was charged twice; "
        "write to john.smith@mail.example.org. Ship to 1600 Pennsylvania Avenue NW, "
        "Washington, DC 20500 or 350 Fifth Avenue, Apt 12B, New York, NY 10118."
    )
    out = redact_personal_data(text)
    assert out == (
        "Please call me at [phone] or [phone], or my wife on [phone]. "
        "I live at [address]. Card [card] was charged twice; "
        "write to [email]. Ship to [address] or [address]."
    )


@pytest.mark.parametrize(
    "text",
    [
        "订单号 2026112212345678 和投诉编号 CMP-20261122-78DE7F40D8，金额 1299 元",
        "订单 110105194912310021 的退款（校验位不对，不是身份证）",
        "2026-11-22 发货，共3件，运单 SF1234567890123，快递费 12.50 元",
        "Order 4111111111111112 shipped on 2026-11-22, 3 items at 12.50 each",
        "tracking 1Z999AA10123456784, ref 12345678, invoice INV-2026-000123",
        "complaint id c-20261122-0001 was escalated at 10:30 by agent a-17",
        "第3次投诉，等了45分钟，评分2分",
        "the 3 Musketeers cost 20 dollars at the store",
    ],
)
def test_references_that_fail_the_checks_stay(text: str) -> None:
    assert redact_personal_data(text) == text
    assert not contains_personal_data(text)


def test_numbers_inside_identifiers_are_not_data() -> None:
    # A valid ID number glued into an identifier is a reference someone built, not an ID.
    text = f"ref ABC{ID_NUMBER_DIGIT} and key k-{CARD}"
    assert redact_personal_data(text) == text


def test_redaction_is_idempotent() -> None:
    text = f"电话13800138000，卡号{CARD}，地址北京市海淀区中关村大街27号"
    once = redact_personal_data(text)
    assert redact_personal_data(once) == once
    assert not contains_personal_data(once)
