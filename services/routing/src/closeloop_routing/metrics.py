"""Domain metrics of the routing service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DECISIONS = Counter(
    "closeloop_routing_decisions_total",
    "Routing decisions by outcome (routed, assigned, queued, transferred)",
    ["outcome"],
)
ESCALATIONS = Counter(
    "closeloop_routing_escalations_total",
    "Escalations by level (0 notify, 1 supervisor, 2 leader) and trigger",
    ["level", "trigger"],
)
DECISION_SECONDS = Histogram(
    "closeloop_routing_decision_seconds",
    "Time from a complaint's arrival at routing to its routed and assigned events being sent",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
