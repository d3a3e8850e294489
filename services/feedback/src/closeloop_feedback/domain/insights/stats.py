"""Small statistics used by every report: percentiles, ratios, tallies."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile (0..1) by linear interpolation between closest ranks
    (numpy's default, ``statistics.quantiles(method="inclusive")``); None when empty."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def tally(values: Iterable[str]) -> dict[str, int]:
    """Counts per value, largest first (ties by value), as an ordered dict."""
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class Spread:
    """How many values, and their median and 90th percentile (rounded to seconds/10)."""

    count: int
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        p50, p90 = percentile(values, 0.5), percentile(values, 0.9)
        return cls(
            len(values),
            None if p50 is None else round(p50, 1),
            None if p90 is None else round(p90, 1),
        )

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "p50": self.p50, "p90": self.p90}
