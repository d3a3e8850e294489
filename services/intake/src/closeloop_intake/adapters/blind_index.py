"""Blind indexes: find a caller by phone, e-mail, customer id or name while contact data
stays sealed.

Each searchable value is normalised (E.164 phone, lower-case e-mail, NFKC name with
collapsed spaces, trimmed customer id) and stored only as an HMAC-SHA256 under a key of
its own (``CLOSELOOP_BLIND_INDEX_KEY``, not the pseudonym key: the public stream's
pseudonyms must not be joinable with these). An exact look-up hashes the query the same
way and seeks the index; nobody holding the database learns the values.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping

import phonenumbers

KINDS = ("phone", "email", "customer_id", "name")


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 (``138 0013 8000`` in region CN → ``+8613800138000``); a number phonenumbers
    cannot parse is kept as its digits and ``+`` so it still matches itself."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return "".join(c for c in raw if c.isdigit() or c == "+")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, raw: str, *, default_region: str) -> str:
    """The canonical form of a ``kind`` value that the index is computed over."""
    if kind == "phone":
        return normalise_phone(raw, default_region)
    if kind == "email":
        return raw.strip().lower()
    if kind == "name":
        return " ".join(unicodedata.normalize("NFKC", raw).casefold().split())
    return raw.strip()


class BlindIndexer:
    """Computes the blind index of contact values under the service's blind-index key."""

    def __init__(self, key: str, *, default_region: str = "CN") -> None:
        self._key = key.encode()
        self._region = default_region

    def index(self, kind: str, raw: str) -> str:
        """The HMAC of the normalised value (the kind is part of the message)."""
        message = f"{kind}\x1f{normalise(kind, raw, default_region=self._region)}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def of_customer(self, contact: Mapping[str, str | None]) -> dict[str, str]:
        """``{"phone": hmac, ...}`` for each searchable field the customer gave."""
        return {k: self.index(k, v) for k in KINDS if (v := contact.get(k)) and v.strip()}
