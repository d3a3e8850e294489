"""Metrics of the console (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LIVE_EVENTS = Counter(
    "closeloop_console_live_events_total",
    "SLA and routing events read for live pages, by outcome (pushed, invalid)",
    ["outcome"],
)
LIVE_SUBSCRIBERS = Gauge(
    "closeloop_console_live_subscribers",
    "Browsers connected to a live page (server-sent events)",
)
UPSTREAM_ERRORS = Counter(
    "closeloop_console_upstream_errors_total",
    "Calls to the five services that failed or were refused, by service and status class",
    ["service", "status"],
)
SIGN_INS = Counter(
    "closeloop_console_sign_ins_total",
    "Sign-ins by method (dev, oidc) and outcome (ok, refused)",
    ["method", "outcome"],
)
