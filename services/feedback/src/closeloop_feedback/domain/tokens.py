"""Survey links: signed, expiring capability tokens.

A token names one survey and when it stops working, and carries an HMAC-SHA256 of both, so
the public answer endpoint needs no login and cannot be pointed at another survey. Single use
is enforced by the survey store (a conditional write), not by the token itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

LINK_VERSION = "v1"
_SURVEY_ID = re.compile(r"^[0-9a-f]{8,64}$")


class TokenProblem(StrEnum):
    """Why a token was refused."""

    malformed = "malformed"
    forged = "forged"
    expired = "expired"


class TokenRejected(ValueError):
    """A token that must not be honoured, and why."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(f"survey token {problem.value}")
        self.problem = problem


@dataclass(frozen=True)
class SurveyToken:
    """What a verified token grants: answering ``survey_id`` until ``expires_at``."""

    survey_id: str
    expires_at: datetime


def _signature(secret: str, survey_id: str, expires: int) -> str:
    message = f"{LINK_VERSION}|{survey_id}|{expires}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign_token(survey_id: str, expires_at: datetime, secret: str) -> str:
    """A URL-safe token for ``survey_id`` valid until ``expires_at`` (whole seconds)."""
    if not _SURVEY_ID.match(survey_id):
        raise ValueError("survey ids are lower-case hex")
    expires = int(expires_at.timestamp())
    return f"{survey_id}.{expires}.{_signature(secret, survey_id, expires)}"


def verify_token(token: str, secret: str, *, now: datetime) -> SurveyToken:
    """The survey a token grants, or :class:`TokenRejected` (malformed, forged, expired).

    The signature is checked before the expiry so a forged token never learns whether its
    date would have been accepted.
    """
    parts = token.split(".")
    if len(parts) != 3 or not _SURVEY_ID.match(parts[0]) or not parts[1].isdigit():
        raise TokenRejected(TokenProblem.malformed)
    survey_id, expires_text, signature = parts
    expires = int(expires_text)
    if not hmac.compare_digest(signature, _signature(secret, survey_id, expires)):
        raise TokenRejected(TokenProblem.forged)
    expires_at = datetime.fromtimestamp(expires, UTC)
    if now >= expires_at:
        raise TokenRejected(TokenProblem.expired)
    return SurveyToken(survey_id, expires_at)
