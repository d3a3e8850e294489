"""Opens a complaint's sealed contact details at the moment a message is sent. The opened
values live in memory only for that send."""

from __future__ import annotations

from dataclasses import dataclass

from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_shared.crypto import Sealer

CONTEXT = "customer"  # the sealing context intake uses for ComplaintReceived.customer_sealed


@dataclass(frozen=True)
class CustomerContact:
    """Opened contact details (personal data: never log, never store)."""

    name: str | None
    email: str | None
    phone: str | None

    def address_for(self, channel: NotifyChannel) -> str | None:
        """Where a message on ``channel`` goes."""
        return self.email if channel is NotifyChannel.email else self.phone


class ContactOpener:
    """Opens sealed contacts with the platform's PII key."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def open(self, sealed: str) -> CustomerContact:
        """The contact in ``sealed``; ``SealError`` when it cannot be opened."""
        value = self._sealer.open(sealed, context=CONTEXT)
        if not isinstance(value, dict):
            value = {}
        return CustomerContact(
            name=_text(value.get("name")),
            email=_text(value.get("email")),
            phone=_text(value.get("phone")),
        )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
