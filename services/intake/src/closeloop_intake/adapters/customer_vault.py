"""Personal data at rest and in events: sealed (AES-GCM) contact details and notes, and
keyed pseudonyms and fingerprints (HMAC) that identify without revealing."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from closeloop_intake.domain.privacy import normalize_phone
from closeloop_intake.domain.registration import Customer
from closeloop_shared.crypto import Sealer, SealError, pseudonym

CUSTOMER_CONTEXT = "customer"
NOTE_CONTEXT = "note"
EMPTY_CUSTOMER: dict[str, Any] = {
    "name": None,
    "phone": None,
    "email": None,
    "address": None,
    "customer_id": None,
    "language": "zh-CN",
}


class CustomerVault:
    """Seals, opens and pseudonymises customer data with the service's keys."""

    def __init__(self, pii_key: str, pseudonym_key: str) -> None:
        self._sealer = Sealer(pii_key)
        self._pseudonym_key = pseudonym_key

    def seal_customer(self, customer: Customer, language: str) -> str:
        """The sealed contact object every entitled service can open (shared format)."""
        value = {
            "name": customer.name,
            "phone": customer.phone,
            "email": customer.email,
            "address": customer.address,
            "customer_id": customer.customer_id,
            "language": language,
        }
        return self._sealer.seal(value, context=CUSTOMER_CONTEXT)

    def open_customer(self, sealed: str | None) -> dict[str, Any]:
        """The contact object of a sealed value (all None if missing or unreadable)."""
        if not sealed:
            return dict(EMPTY_CUSTOMER)
        try:
            opened = self._sealer.open(sealed, context=CUSTOMER_CONTEXT)
        except SealError:
            return dict(EMPTY_CUSTOMER)
        return {**EMPTY_CUSTOMER, **opened}

    def pseudonym_of(self, customer: Customer, *, fallback: str) -> str:
        """The customer's keyed pseudonym (by id, else phone, else e-mail); an anonymous
        customer gets one of ``fallback`` so anonymous complaints are never merged."""
        phone = normalize_phone(customer.phone) if customer.phone else None
        identity = customer.customer_id or phone or customer.email
        return pseudonym(self._pseudonym_key, identity or f"anonymous:{fallback}")

    def seal_text(self, text: str) -> str:
        """Seal free text that may hold personal data (notes, contact-log summaries)."""
        return self._sealer.seal(text, context=NOTE_CONTEXT)

    def open_text(self, sealed: str) -> str | None:
        """Open sealed free text; None if it cannot be opened."""
        try:
            return str(self._sealer.open(sealed, context=NOTE_CONTEXT))
        except SealError:
            return None

    def fingerprint(self, value: str) -> str:
        """A keyed digest, for comparing requests without storing their personal data."""
        return hmac.new(self._pseudonym_key.encode(), value.encode(), hashlib.sha256).hexdigest()
