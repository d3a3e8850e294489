"""Domain metrics of the routing service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations
