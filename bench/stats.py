"""Small statistics helpers for latency samples."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]); NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p99/max of second-valued samples, in milliseconds."""
    return {
        "n": len(samples_s),
        "p50_ms": round(percentile(samples_s, 50) * 1000, 2),
        "p99_ms": round(percentile(samples_s, 99) * 1000, 2),
        "max_ms": round(max(samples_s) * 1000, 2) if samples_s else math.nan,
    }
