"""Rate limits per subject (the JWT ``sub``) on every service's authenticated API.

A sliding-window counter (the ``limits`` library) per service and subject: a runaway script
or a stolen token is slowed to what a person or an integration really needs, while one busy
caller never throttles another. The counters live in memory by default (per replica); point
``CLOSELOOP_RATE_LIMIT_STORAGE_URI`` at a shared store (``redis://...``, ``mongodb://...``)
to count across replicas. A refusal is a 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many, strategies
from limits.storage import storage_from_string

from closeloop_shared.http.errors import ApiError


def parse_limits(spec: str) -> list[RateLimitItem]:
    """``"100/second;3000/minute"`` as limit items; an empty spec means no limit."""
    return parse_many(spec) if spec.strip() else []


class SubjectRateLimits:
    """Limits per (service, subject); machine callers (``channel`` integrations posting for
    many customers) have limits of their own."""

    def __init__(self, service: str, people: str, machines: str, storage_uri: str) -> None:
        self.service = service
        self.people, self.machines = parse_limits(people), parse_limits(machines)
        self._limiter = strategies.SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def retry_after(self, subject: str, *, machine: bool = False) -> int:
        """Count one request of ``subject``: 0 when allowed, else whole seconds to wait."""
        for item in self.machines if machine else self.people:
            if not self._limiter.hit(item, self.service, subject):
                reset = self._limiter.get_window_stats(item, self.service, subject).reset_time
                return max(1, math.ceil(reset - time.time()))
        return 0

    def enforce(self, subject: str, *, machine: bool = False) -> None:
        """Raise a 429 (with ``Retry-After``) when ``subject`` is over its limit."""
        wait = self.retry_after(subject, machine=machine)
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                f"too many requests for this caller; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
