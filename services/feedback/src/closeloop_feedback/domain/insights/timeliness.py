"""On-time accounting of SLA clocks, per run of a clock (a reopened complaint restarts its
clocks as run 2, 3...). A run that breached, or was met late, is late once — a breach and
the late ``met`` that follows it are the same run; a run met before its deadline is on time.
Runs still going without a breach are not decided yet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from closeloop_feedback.domain.insights.facts import ClockOutcome
from closeloop_feedback.domain.insights.stats import ratio


@dataclass
class Timeliness:
    """Runs of clocks that ended on time, and runs that were late."""

    on_time: int = 0
    late: int = 0

    @property
    def ratio(self) -> float | None:
        """On-time share of the decided runs; None when none was decided."""
        return ratio(self.on_time, self.on_time + self.late)

    def add(self, other: Timeliness) -> None:
        self.on_time += other.on_time
        self.late += other.late

    def as_dict(self) -> dict[str, int | float | None]:
        return {"on_time": self.on_time, "late": self.late, "ratio": self.ratio}


def complaint_timeliness(outcomes: Iterable[ClockOutcome]) -> dict[str, Timeliness]:
    """Per clock, the on-time and late runs of ONE complaint's clock outcomes."""
    late: dict[str, set[int]] = defaultdict(set)
    on_time: dict[str, set[int]] = defaultdict(set)
    for outcome in outcomes:
        if outcome.breached or outcome.late:
            late[outcome.clock].add(outcome.run)
        else:
            on_time[outcome.clock].add(outcome.run)
    return {
        clock: Timeliness(len(on_time[clock] - late[clock]), len(late[clock]))
        for clock in set(late) | set(on_time)
    }
