"""How a failed notification is retried: transient failures back off exponentially up to a
budget of attempts, permanent ones stop at once (recorded, never dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    transient = "transient"
    permanent = "permanent"


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` sends in all; the n-th retry waits ``base_s * 2**(n-1)``, capped."""

    max_attempts: int = 10
    base_s: float = 2.0
    max_s: float = 600.0

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed send (1-based)."""
        exponent = max(0, min(attempts - 1, 30))
        return float(min(self.max_s, self.base_s * 2**exponent))

    def should_retry(self, attempts: int, kind: FailureKind) -> bool:
        """Retry transient failures while the budget lasts; never retry permanent ones."""
        return kind is FailureKind.transient and attempts < self.max_attempts


def classify_smtp_reply(code: int) -> FailureKind:
    """SMTP reply codes: 4xx are temporary (try later), 5xx permanent; anything else (no
    reply: connection refused, reset, timeout) is treated as temporary."""
    if 500 <= code <= 599:
        return FailureKind.permanent
    return FailureKind.transient


def classify_http_status(status: int) -> FailureKind:
    """HTTP provider replies: 408, 429 and 5xx are temporary; other 4xx are permanent."""
    if status in (408, 425, 429) or status >= 500:
        return FailureKind.transient
    return FailureKind.permanent
