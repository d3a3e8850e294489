"""Domain metrics of the sla service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations
