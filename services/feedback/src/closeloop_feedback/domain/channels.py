"""Which channel reaches a customer (R5: tell the customer by phone, e-mail or message)."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class NotifyChannel(StrEnum):
    """How a notification travels: e-mail (SMTP), SMS (a provider), or an agent's call."""

    email = "email"
    sms = "sms"
    phone_callback = "phone_callback"


class Purpose(StrEnum):
    """Progress notices can be one-way; a survey needs a channel the customer can answer."""

    notice = "notice"
    survey = "survey"


# Customers who came by voice or in person are called back for the satisfaction survey:
# the documents' callback (回访) is a phone call, and a link in an SMS is a poor substitute.
VOICE_CHANNELS = frozenset({"phone", "walk_in"})


def choose_channel(
    *,
    contact_methods: Collection[str],
    complaint_channel: str,
    purpose: Purpose,
    sms_gateway: bool = True,
) -> NotifyChannel | None:
    """The channel to use, preferring how the customer reached us; None when no contact
    method on record can carry it (the caller records that as a failure).

    Without an SMS gateway a text cannot be sent: the notice becomes what it then is, a
    phone callback for an agent (recorded as such, never as an SMS)."""
    has_email, has_phone = "email" in contact_methods, "phone" in contact_methods
    by_phone = NotifyChannel.sms if sms_gateway else NotifyChannel.phone_callback
    if complaint_channel in VOICE_CHANNELS and has_phone:
        return NotifyChannel.phone_callback if purpose is Purpose.survey else by_phone
    if has_email:
        return NotifyChannel.email
    if has_phone:
        return by_phone
    return None
