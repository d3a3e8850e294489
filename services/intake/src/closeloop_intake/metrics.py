"""Domain metrics of the intake service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations
