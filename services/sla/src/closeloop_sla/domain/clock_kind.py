"""The clocks a complaint can run (R4's time limits), one of each kind per complaint."""

from __future__ import annotations

from enum import StrEnum


class ClockKind(StrEnum):
    """What a clock measures, from receipt of the complaint to its archiving."""

    REGISTRATION = "registration"
    FIRST_RESPONSE = "first_response"
    INITIAL_SOLUTION = "initial_solution"
    RESOLUTION = "resolution"
    RESULT_FEEDBACK = "result_feedback"
    SATISFACTION_CALLBACK = "satisfaction_callback"
    ARCHIVE = "archive"
