"""Domain metrics of the sla service (bounded labels only; see docs/metrics.md)."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import Counter, Gauge, Histogram

from closeloop_sla.domain.clock_kind import ClockKind

SEVERITIES = ("urgent", "major", "complex", "normal", "low")
OPEN_STATES = ("running", "paused", "breached")
GROUP = "sla-clocks"  # the consumer group label of closeloop_consumer_messages_total

BREACHES = Counter(
    "closeloop_sla_breaches_total",
    "Clocks that passed their deadline, counted once, when the breach is detected",
    ["clock", "severity"],
)
WARNINGS = Counter(
    "closeloop_sla_warnings_total",
    "Warnings fired at the configured fractions of a clock's time",
    ["clock", "severity"],
)
CLOCKS_OPEN = Gauge("closeloop_sla_clocks_open", "Clocks not yet stopped, by state", ["state"])
DETECTION_LAG = Histogram(
    "closeloop_sla_detection_lag_seconds",
    "Time from a deadline (or warning instant) to the alert being emitted",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300),
)
COVERAGE_EXCEEDED = Counter(
    "closeloop_sla_calendar_coverage_exceeded_total",
    "New deadlines past the last date whose holidays their calendar has loaded",
    ["calendar"],  # the calendar's name (administrators define few), not its version
)
MET = Counter("closeloop_sla_met_total", "Clocks stopped, on time or late", ["clock", "outcome"])
COMPLIANCE = Gauge(
    "closeloop_sla_compliance_ratio",
    "Share of this clock's outcomes met on time (since the worker started)",
    ["clock"],
)
_WORKING_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 432000)
TIME_TO_FIRST_RESPONSE = Histogram(
    "closeloop_sla_time_to_first_response_working_seconds",
    "Working time (business calendar) from receipt to first response",
    buckets=_WORKING_BUCKETS,
)
TIME_TO_RESOLUTION = Histogram(
    "closeloop_sla_time_to_resolution_working_seconds",
    "Working time from receipt to resolution",
    buckets=_WORKING_BUCKETS,
)

_on_time: Tally[str] = Tally()
_missed: Tally[str] = Tally()


def initialise_metrics() -> None:
    """Create every known series at zero so the first event is an increase (alerting)."""
    for kind in ClockKind:
        for severity in SEVERITIES:
            BREACHES.labels(kind.value, severity)
            WARNINGS.labels(kind.value, severity)
        for outcome in ("on_time", "late"):
            MET.labels(kind.value, outcome)
    for state in OPEN_STATES:
        CLOCKS_OPEN.labels(state).set(0)


def record_outcome(clock: str, *, on_time: bool) -> None:
    """Count a met-on-time or a breached clock and refresh its compliance ratio."""
    (_on_time if on_time else _missed)[clock] += 1
    total = _on_time[clock] + _missed[clock]
    COMPLIANCE.labels(clock).set(_on_time[clock] / total)


def severity_label(severity: str | None) -> str:
    """A bounded severity label (anything unknown counts as normal)."""
    return severity if severity in SEVERITIES else "normal"
