"""Telling operators that deadlines run past the holidays a calendar knows: a counter per
calendar and a structured warning per deadline, once the batch's events (which include a
``closeloop.sla.calendar.coverage_exceeded.v1`` event per gap) are acknowledged."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from closeloop_sla.domain.clock_coverage import CoverageGap
from closeloop_sla.metrics import COVERAGE_EXCEEDED

log = logging.getLogger(__name__)


def report_gaps(gaps: Iterable[CoverageGap]) -> None:
    """Count and log each gap (complaint ids and calendar names carry no personal data)."""
    for gap in gaps:
        name = gap.calendar.split("@")[0]
        COVERAGE_EXCEEDED.labels(name).inc()
        log.warning(
            "deadline past the calendar's loaded holidays; run closeloop calendars refresh",
            extra={
                "complaint_id": gap.effect.complaint_id,
                "clock": gap.effect.kind.value,
                "calendar": gap.calendar,
                "deadline": gap.deadline.isoformat(),
                "covered_until": gap.covered_until.isoformat(),
            },
        )
