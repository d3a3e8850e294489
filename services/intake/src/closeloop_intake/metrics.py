"""Domain metrics of the intake service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from closeloop_shared.observability.metrics import OUTBOX_PENDING

COMPLAINTS_RECEIVED = Counter(
    "closeloop_complaints_received_total",
    "Complaints registered, by channel, kind and severity (idempotent replays not counted)",
    ["channel", "kind", "severity"],
)
COMPLAINTS_OPEN = Gauge(
    "closeloop_complaints_open",
    "Complaints not yet closed, by current status (refreshed by a periodic count)",
    ["status"],
)
COMPLAINT_ACTIONS = Counter(
    "closeloop_complaint_actions_total",
    "Lifecycle actions requested, by action and result "
    "(ok, refused, forbidden, conflict, invalid, not_found)",
    ["action", "result"],
)

PIPELINE_BEHIND = Gauge(
    "closeloop_intake_pipeline_behind_records",
    "Records the slowest downstream consumer group is behind on complaints.lifecycle.v1 "
    "(the load-shedding signal; -1 when unknown)",
)
COMPLAINTS_SHED = Counter(
    "closeloop_intake_shed_total",
    "New complaints refused with 429 because the pipeline behind intake was over its bound",
)
FIRST_PAGE_READS = Counter(
    "closeloop_intake_first_page_reads_total",
    "First pages of GET /v1/complaints, by how they were read: within_end (only as far as "
    "the list's last first page ended) or whole (every matching complaint)",
    ["read"],
)

__all__ = [
    "COMPLAINTS_OPEN",
    "COMPLAINTS_RECEIVED",
    "COMPLAINTS_SHED",
    "COMPLAINT_ACTIONS",
    "FIRST_PAGE_READS",
    "OUTBOX_PENDING",
    "PIPELINE_BEHIND",
]
