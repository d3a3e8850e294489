"""What a worklist row shows of a complaint's clocks, and the order keys lists sort by.

Intake projects each SLA clock event onto ``sla.<clock>`` (state and deadline). A worklist
needs one figure per complaint: the next deadline among the clocks still counting, and the
worst state among them (breached over warning over running), so "my complaints by
deadline" is one index seek. Both are recomputed from the projected clocks whenever one
of them changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Clocks in these states still count towards a deadline (a breached clock is overdue, and
# most urgent of all); the order is from least to most alarming.
COUNTING = ("running", "warning", "breached")
# A complaint without a counting clock sorts after every one with a deadline: the stored
# sort key is this far-future instant (an index orders it; ``None`` would sort first).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
# Most severe first when sorting by severity; an unknown grade sorts after the known ones.
SEVERITY_ORDER = ("urgent", "major", "complex", "normal", "low")


@dataclass(frozen=True)
class WorklistFigures:
    """The fields a worklist row shows and sorts by."""

    next_deadline: datetime | None
    clock_state: str | None  # running | warning | breached | paused | None
    due_at: datetime  # next_deadline, or NO_DEADLINE (the sort key)

    def as_fields(self) -> dict[str, Any]:
        return {
            "next_deadline": self.next_deadline,
            "clock_state": self.clock_state,
            "due_at": self.due_at,
        }


def worklist_figures(clocks: Mapping[str, Mapping[str, Any]]) -> WorklistFigures:
    """The next deadline and worst state of the clocks that still count."""
    counting = [c for c in clocks.values() if c.get("state") in COUNTING]
    deadlines = [aware_utc(c["deadline"]) for c in counting if c.get("deadline") is not None]
    if counting:
        state: str | None = max((c["state"] for c in counting), key=COUNTING.index)
    elif any(c.get("state") == "paused" for c in clocks.values()):
        state = "paused"
    else:
        state = None
    nearest = min(deadlines) if deadlines else None
    return WorklistFigures(nearest, state, nearest or NO_DEADLINE)


def severity_rank(severity: str | None) -> int:
    """The sort key of a grade: 0 for the most severe."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def aware_utc(at: datetime) -> datetime:
    """An instant in UTC (a zone-less one is taken as UTC, as the database driver does)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
