"""Canonical JSON bytes for hashing, following RFC 8785 (JCS) for the values we log.

Rules (each one is what RFC 8785 prescribes):

- objects: members sorted by their names compared as UTF-16 code units (RFC 8785 §3.2.3),
  no insignificant whitespace, ``:`` and ``,`` as the only separators;
- strings: UTF-8, only ``"``, ``\\`` and the C0 controls escaped, with the short forms
  ``\\b \\t \\n \\f \\r`` and lower-case ``\\u00xx`` otherwise (§3.2.2.2); lone surrogates are
  rejected because they cannot be encoded as UTF-8 (I-JSON);
- floats: the ECMAScript ``Number.prototype.toString`` layout of the shortest round-tripping
  digits (§3.2.2.3), so ``4.50`` → ``4.5``, ``1E30`` → ``1e+30``, ``-0.0`` → ``0``;
  NaN and ±Infinity are rejected;
- ``True``/``False``/``None`` → ``true``/``false``/``null``; tuples are arrays.

One deliberate deviation: Python ``int`` is written exactly in decimal, even beyond 2**53
where JCS (which sees every number as an IEEE double) would round it. Every int we log
(sequence numbers, Kafka offsets and partitions) is far below that bound, and exactness keeps
the hash independent of float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from json.encoder import encode_basestring

__all__ = ["canonical_json", "format_number"]


def canonical_json(value: object) -> bytes:
    """Return the canonical UTF-8 JSON encoding of ``value`` (see the module docstring).

    Raises ``ValueError`` for NaN/Infinity or a lone surrogate and ``TypeError`` for values
    that are not JSON (bytes, sets, objects, non-string keys).
    """
    parts: list[str] = []
    _emit(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # only lone surrogates get here
        raise ValueError("string contains a lone surrogate; not valid I-JSON") from exc


def format_number(value: int | float) -> str:
    """Serialise a JSON number: ints exactly, floats as ECMAScript ``Number::toString``."""
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return int.__repr__(value)
    return _format_float(value)


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like UTF-16 code-unit sequences.
    return name.encode("utf-16-be", "surrogatepass")


def _emit(value: object, parts: list[str]) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(encode_basestring(value))
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_format_float(value))
    elif isinstance(value, Mapping):
        _emit_object(value, parts)
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _emit(item, parts)
        parts.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _emit_object(value: Mapping[object, object], parts: list[str]) -> None:
    names: list[str] = []
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"object keys must be strings, not {type(key).__name__}")
        names.append(key)
    parts.append("{")
    for index, key in enumerate(sorted(names, key=_utf16_key)):
        if index:
            parts.append(",")
        parts.append(encode_basestring(key))
        parts.append(":")
        _emit(value[key], parts)
    parts.append("}")


def _format_float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not allowed in canonical JSON")
    if value == 0:
        return "0"  # also -0.0, as in ECMAScript
    sign = "-" if value < 0 else ""
    # repr() yields the shortest digits that round-trip, like ECMAScript's algorithm.
    mantissa, _, exponent = float.__repr__(abs(value)).partition("e")
    integer_part, _, fraction_part = mantissa.partition(".")
    digits = integer_part + fraction_part
    # Value = 0.<digits> × 10**point, with leading zeros stripped from <digits>.
    point = len(integer_part) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    significant = significant.rstrip("0")
    count = len(significant)
    if count <= point <= 21:
        text = significant + "0" * (point - count)
    elif 0 < point <= 21:
        text = significant[:point] + "." + significant[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + significant
    else:
        power = point - 1
        head = significant[0] + ("." + significant[1:] if count > 1 else "")
        text = f"{head}e{'+' if power >= 0 else '-'}{abs(power)}"
    return sign + text
