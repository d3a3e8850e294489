"""Masking and redaction of the customer's personal data (requirement R8).

Masking is for people without the ``pii:read`` scope: enough remains to recognise a record
on the phone ("+86138****8000", "z***@example.com", "张*"), not enough to contact anyone.
Redaction is for text that leaves the service (``ComplaintReceived.text``): here the
customer's own name, phone, e-mail and address are replaced in any form they take;
``closeloop_intake.service.redaction`` then redacts every other ID, card and phone number,
e-mail and street address (``closeloop_shared.pii``), because customers write other people's
details too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(phone: str) -> str:
    """The phone number without spaces, dashes, dots and brackets."""
    return _SEPARATORS.sub("", phone.strip())


def mask_phone(phone: str) -> str:
    """Keep the prefix and the last four digits: ``+8613800138000`` → ``+86138****8000``."""
    digits = normalize_phone(phone)
    if len(digits) <= 8:
        return "*" * max(len(digits) - 2, 1) + digits[-2:]
    return f"{digits[:-8]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the domain: ``z***@example.com``."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return mask_identifier(email)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """Keep each word's first character: ``张伟`` → ``张*``, ``John Smith`` → ``J*** S****``."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in name.split())


def mask_address(address: str) -> str:
    """Keep at most the first three characters (the city, for Chinese addresses)."""
    text = address.strip()
    return f"{text[: min(3, len(text) // 2)]}***"


def mask_identifier(value: str) -> str:
    """Keep the first two characters of an identifier."""
    text = value.strip()
    return f"{text[: min(2, len(text) // 2)]}***"


def _variants(detail: str) -> set[str]:
    """Forms a known detail may take inside free text (a phone with or without separators,
    with or without its country code)."""
    detail = detail.strip()
    if not detail:
        return set()
    found = {detail}
    digits = normalize_phone(detail)
    if len(digits) >= 7 and digits.lstrip("+").isdigit():
        found.add(digits)
        if digits.startswith("+86"):
            found.add(digits[3:])
    return found


# Under re.IGNORECASE four non-ASCII letters match ASCII ones (İ ı → i, ſ → s, K → k). In
# text without them an ASCII detail matches exactly the same with re.ASCII, whose patterns
# compile about ten times faster; every complaint brings new details to compile.
_FOLDING_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


def _pattern(value: str, *, ascii_folding: bool = False) -> re.Pattern[str]:
    """Latin-script details match whole words only ("Li" must not eat "delivery"); others,
    e.g. Chinese names, match anywhere because Chinese has no word separators.
    ``ascii_folding``: the text holds none of the letters that fold to ASCII."""
    escaped = re.escape(value)
    if value.isascii():
        flags = re.IGNORECASE | (re.ASCII if ascii_folding else 0)
        return re.compile(rf"(?<![0-9A-Za-z]){escaped}(?![0-9A-Za-z])", flags)
    return re.compile(escaped, re.IGNORECASE)


def replace_details(
    text: str,
    *,
    names: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    addresses: Iterable[str | None] = (),
) -> str:
    """``text`` with the given details (in every form they may take) replaced by labels.

    Longer variants are replaced first so a number is never half-replaced.
    """
    replacements: list[tuple[str, str]] = []
    given = ((emails, "[email]"), (phones, "[phone]"), (names, "[name]"), (addresses, "[address]"))
    for values, label in given:
        for value in values:
            replacements.extend((v, label) for v in _variants(value or ""))
    ascii_folding = _FOLDING_TO_ASCII.isdisjoint(text)  # labels add none of them
    for value, label in sorted(replacements, key=lambda r: -len(r[0])):
        text = _pattern(value, ascii_folding=ascii_folding).sub(label, text)
    return text
