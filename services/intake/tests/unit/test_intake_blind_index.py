"""Blind indexes: the same caller, however written, hashes to the same index; nothing else
does, and the key matters."""

import pytest

from closeloop_intake.adapters.blind_index import BlindIndexer, normalise

IDX = BlindIndexer("k1", default_region="CN")


@pytest.mark.parametrize(
    "written", ["138 0013 8000", "+8613800138000", "+86 138-0013-8000", "008613800138000"]
)
def test_a_phone_in_any_format_has_one_index(written: str) -> None:
    assert normalise("phone", written, default_region="CN") == "+8613800138000"
    assert IDX.index("phone", written) == IDX.index("phone", "+8613800138000")


def test_email_ignores_case_and_name_is_nfkc_and_spaces() -> None:
    assert IDX.index("email", " ZW@Example.com ") == IDX.index("email", "zw@example.com")
    assert IDX.index("name", "Ｚｈａｎｇ  Wei") == IDX.index("name", "zhang wei")  # full-width
    assert IDX.index("name", "张伟") != IDX.index("name", "张卫")


def test_kinds_and_keys_separate_indexes_and_no_value_appears() -> None:
    assert IDX.index("customer_id", "C-1") != IDX.index("name", "C-1")
    assert BlindIndexer("k2").index("email", "a@b.c") != IDX.index("email", "a@b.c")
    found = IDX.of_customer({"phone": "138 0013 8000", "email": None, "name": " "})
    assert set(found) == {"phone"} and "13800138000" not in found["phone"]
