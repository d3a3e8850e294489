"""Domain metrics of the feedback service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

NOTIFICATIONS = Counter(
    "closeloop_notifications_total",
    "Customer notification send attempts by channel, template and result (sent, retried, failed)",
    ["channel", "template", "result"],
)
SURVEYS = Counter(
    "closeloop_surveys_total",
    "Satisfaction surveys by outcome (sent, reminded, answered, expired, dissatisfied)",
    ["outcome"],
)
CSAT_RATIO = Gauge(
    "closeloop_csat_ratio",
    "Satisfied share of surveys answered within the CSAT window (target 0.9)",
)
STAFF_NOTIFICATIONS = Counter(
    "closeloop_feedback_staff_notifications_total",
    "Staff notifications by channel (email, im), kind and result (created, sent, retried, failed)",
    ["channel", "kind", "result"],
)
