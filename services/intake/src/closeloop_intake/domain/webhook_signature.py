"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body, fresh for a window.

A platform sends ``X-Closeloop-Timestamp: <unix seconds>`` and ``X-Closeloop-Signature:
sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``. Signing the timestamp makes an
old request useless after the window (default 5 minutes); within the window, each signature
is accepted once (the caller remembers the ones it has seen). Pure: the caller passes the
clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Closeloop-Signature"
TIMESTAMP_HEADER = "X-Closeloop-Timestamp"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class SignatureRefused(Exception):
    """Why a webhook request is refused; ``status`` is the HTTP status to answer."""

    status: int
    code: str
    message: str


def signature_of(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp: int) -> dict[str, str]:
    """The two headers a platform sends with ``body`` (used by platforms and tests)."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: "sha256=" + signature_of(secret, timestamp, body),
    }


def verify_signature(
    secret: str,
    body: bytes,
    *,
    signature: str | None,
    timestamp: str | None,
    now: float,
    window_s: float,
) -> str:
    """The verified signature (hex, lower case), or :class:`SignatureRefused`.

    The signature is checked before the window so a forger learns nothing about timing.
    """
    stamp = _TIMESTAMP.fullmatch((timestamp or "").strip())
    if stamp is None:
        raise SignatureRefused(
            401, "unauthenticated", f"missing {TIMESTAMP_HEADER}: <unix seconds>"
        )
    match = _SIGNATURE.fullmatch((signature or "").strip())
    if match is None:
        raise SignatureRefused(401, "unauthenticated", f"missing {SIGNATURE_HEADER}: sha256=<hex>")
    given, at = match.group(1).lower(), int(stamp.group(0))
    if not hmac.compare_digest(signature_of(secret, at, body), given):
        raise SignatureRefused(
            401,
            "unauthenticated",
            f"{SIGNATURE_HEADER} does not match HMAC-SHA256 of '<timestamp>.<body>'",
        )
    if abs(now - at) > window_s:
        raise SignatureRefused(
            401,
            "stale_signature",
            f"{TIMESTAMP_HEADER} is more than {window_s:g} s away from now; sign again",
        )
    return given
