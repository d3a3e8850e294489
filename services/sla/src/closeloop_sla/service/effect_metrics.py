"""Domain metrics from the effects a batch published (after the broker acknowledged them)."""

from __future__ import annotations

from collections.abc import Iterable

from closeloop_sla.domain.clock_effects import ClockBreached, ClockEffect, ClockMet, ClockWarned
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.complaint_clocks import ComplaintClocks
from closeloop_sla.metrics import (
    BREACHES,
    DETECTION_LAG,
    MET,
    TIME_TO_FIRST_RESPONSE,
    TIME_TO_RESOLUTION,
    WARNINGS,
    record_outcome,
    severity_label,
)


def count_effects(effects: Iterable[tuple[ClockEffect, ComplaintClocks]]) -> None:
    """Count breaches, warnings and met clocks; observe detection lag and working times."""
    for effect, state in effects:
        clock = effect.kind.value
        severity = severity_label(state.attributes.severity)
        if isinstance(effect, ClockBreached):
            BREACHES.labels(clock, severity).inc()
            DETECTION_LAG.observe(max(0.0, (effect.detected_at - effect.at).total_seconds()))
            record_outcome(clock, on_time=False)
        elif isinstance(effect, ClockWarned):
            WARNINGS.labels(clock, severity).inc()
        elif isinstance(effect, ClockMet):
            MET.labels(clock, "late" if effect.late else "on_time").inc()
            if not effect.late:
                record_outcome(clock, on_time=True)
            seconds = effect.working_time.total_seconds()
            if effect.kind is ClockKind.FIRST_RESPONSE:
                TIME_TO_FIRST_RESPONSE.observe(seconds)
            elif effect.kind is ClockKind.RESOLUTION:
                TIME_TO_RESOLUTION.observe(seconds)
