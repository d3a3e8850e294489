"""Domain metrics of the audit service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations
