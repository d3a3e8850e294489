"""Metrics every service exposes (RED for HTTP and consumers, lag, dead letters).

Labels are bounded: routes are templates (``/v1/complaints/{id}``), topics and outcomes are
fixed sets. No label ever carries an id, a name or free text. Service-specific metrics live
in each service's ``metrics.py``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "closeloop_http_requests_total",
    "HTTP requests served, by route template and status code",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "closeloop_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CONSUMER_MESSAGES = Counter(
    "closeloop_consumer_messages_total",
    "Kafka records handled, by outcome (ok, retried, dead_lettered)",
    ["group", "topic", "outcome"],
)
CONSUMER_DURATION = Histogram(
    "closeloop_consumer_handle_seconds",
    "Time to handle one Kafka record (including retries)",
    ["group", "topic"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
CONSUMER_LAG = Gauge(
    "closeloop_consumer_lag",
    "Records behind the partition high-water mark, summed over assigned partitions",
    ["group", "topic"],
)
DEAD_LETTERS = Counter(
    "closeloop_dead_letters_total",
    "Records this service sent to a dead-letter topic",
    ["topic"],
)
OUTBOX_PENDING = Gauge(
    "closeloop_outbox_pending",
    "Events written to the outbox and not yet published",
)
CONSUMER_STALLED_SECONDS = Gauge(
    "closeloop_consumer_stalled_seconds",
    "Seconds a consumer group member has had work without progress (-1: its task ended)",
    ["group"],
)
