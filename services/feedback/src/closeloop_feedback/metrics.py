"""Domain metrics of the feedback service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations
