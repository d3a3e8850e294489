"""Token buckets for the public survey endpoint (no login there, so abuse is bounded by
client address and by token). Pure: the caller passes the clock."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """``capacity`` requests at once, refilled at ``per_second``."""

    capacity: float
    per_second: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Spend one token; return 0 when allowed, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class RateLimiter:
    """One bucket per key, the least recently used dropped past ``max_keys`` (bounded
    memory under a flood of distinct keys)."""

    def __init__(self, capacity: int, per_minute: float, max_keys: int = 10_000) -> None:
        self.capacity, self.per_second = float(capacity), per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def check(self, key: str, now: float) -> int:
        """0 when ``key`` may proceed, else whole seconds to wait (for ``Retry-After``)."""
        bucket = self._buckets.pop(key, None) or TokenBucket(
            self.capacity, self.per_second, self.capacity, now
        )
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        wait = bucket.take(now)
        return 0 if wait == 0 else max(1, math.ceil(wait))
