"""Improvement actions (R6 "tell them what was improved", R9 service reports): what the
enterprise changed because of complaints, recorded by supervisors and published in the
service report of the period it took effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ImprovementStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"


@dataclass(frozen=True)
class ImprovementAction:
    """One recorded action. ``recorded_by`` is staff, kept internal (never published)."""

    action_id: str
    title: str
    description: str
    effective_on: date
    status: ImprovementStatus
    recorded_at: datetime
    recorded_by: str
    category: str | None = None
    department: str | None = None
