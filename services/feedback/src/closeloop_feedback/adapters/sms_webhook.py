"""SMS through an HTTP webhook of an SMS gateway: POST JSON, idempotent by notification id.

The gateway gets ``{"to", "text", "reference", "language"}`` and an ``Idempotency-Key``
header, so a retry after a lost reply does not text the customer twice (if the gateway
honours it, as the common ones do). With a key (``CLOSELOOP_SMS_PROVIDER_KEY``) every call
carries ``Authorization: Bearer <key>``; the gateway's delivery receipts come back to
``POST /v1/sms/receipts`` signed with the same key (see :func:`receipt_signature`)."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from closeloop_feedback.adapters.providers import OutgoingMessage, SendFailed
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.retry import FailureKind, classify_http_status


class WebhookSmsProvider:
    """Sends SMS by calling the configured gateway webhook."""

    channel = NotifyChannel.sms

    def __init__(self, url: str, *, key: str = "", timeout_s: float = 5) -> None:
        self._url, self._timeout = url, timeout_s
        self._auth = {"Authorization": f"Bearer {key}"} if key else {}

    async def send(self, message: OutgoingMessage) -> None:
        payload = {
            "to": message.recipient,
            "text": message.text,
            "reference": message.notification_id,
            "language": message.language.value,
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    self._url,
                    json=payload,
                    headers={"Idempotency-Key": message.notification_id, **self._auth},
                )
        except httpx.HTTPError as exc:
            raise SendFailed(FailureKind.transient, type(exc).__name__) from None
        if response.status_code >= 300:
            kind = classify_http_status(response.status_code)
            raise SendFailed(kind, f"SMS gateway HTTP {response.status_code}")


def receipt_signature(key: str, body: bytes) -> str:
    """The ``X-Closeloop-Signature`` of a delivery receipt: ``sha256=`` and the hex
    HMAC-SHA256 of the raw request body under the provider key."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def receipt_signed(key: str, body: bytes, signature: str) -> bool:
    return bool(key) and hmac.compare_digest(receipt_signature(key, body), signature)
