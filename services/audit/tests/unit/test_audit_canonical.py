"""Canonical JSON against the RFC 8785 (JCS) published examples and invariants."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop_audit.domain.canonical import canonical_json, format_number

# cyberphone/json-canonicalization testdata (the RFC author's reference test files).
VALUES_INPUT = (
    '{\n  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n'
    '  "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
    '  "literals": [null, true, false]\n}'
)
VALUES_OUTPUT = (
    '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],'
    '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}'
)
WEIRD_INPUT = (
    '{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f",'
    ' "\\ud83d\\ude02": "Smiley", "\\u00f6": "Latin Small Letter O With Diaeresis",'
    ' "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}'
)
WEIRD_OUTPUT = (
    '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",'
    '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😂":"Smiley",'
    '"\ufb33":"Hebrew Letter Dalet With Dagesh"}'
)

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def test_rfc8785_values_example_is_reproduced_byte_for_byte() -> None:
    assert canonical_json(json.loads(VALUES_INPUT)) == VALUES_OUTPUT.encode()


def test_keys_sort_by_utf16_code_units_like_the_rfc8785_example() -> None:
    # U+1F602 (surrogates D83D DE02) sorts before U+FB33 in UTF-16, after it by code point.
    assert canonical_json(json.loads(WEIRD_INPUT)) == WEIRD_OUTPUT.encode()


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_numbers_follow_rfc8785_appendix_b(bits: str, expected: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert format_number(value) == expected
    assert canonical_json([value]) == f"[{expected}]".encode()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_rejected(value: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": value})


def test_lone_surrogates_are_rejected() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": "\ud800"})


@pytest.mark.parametrize("value", [{1: "a"}, {"x": b"bytes"}, {"x": {1, 2}}, object()])
def test_values_that_are_not_json_are_rejected(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


def test_integers_are_exact_and_bools_are_literals() -> None:
    assert canonical_json([2**64, -1, 0, True, False, None]) == (
        b"[18446744073709551616,-1,0,true,false,null]"
    )
    with pytest.raises(TypeError):
        format_number(True)


def test_output_has_no_whitespace_and_keeps_non_ascii_as_utf8() -> None:
    assert canonical_json({"b": [1, {"d": "投诉"}], "a": "x y"}) == (
        '{"a":"x y","b":[1,{"d":"投诉"}]}'.encode()
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=5), children, max_size=4
        )
    ),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_canonical_form_round_trips_through_a_json_parser(value: object) -> None:
    encoded = canonical_json(value)
    assert canonical_json(json.loads(encoded)) == encoded


@given(st.dictionaries(st.text(max_size=4), st.integers(), max_size=6))
def test_member_order_does_not_change_the_bytes(value: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canonical_json(reversed_order) == canonical_json(value)
