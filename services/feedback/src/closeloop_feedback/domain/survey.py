"""The satisfaction callback survey: its life cycle, its timers and the rules that read an
answer (R6: every resolved complaint gets a callback; an unhappy answer reopens it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SurveyStatus(StrEnum):
    """scheduled → sent → (reminded) → answered | expired; cancelled when reopened first."""

    scheduled = "scheduled"
    sent = "sent"
    reminded = "reminded"
    answered = "answered"
    expired = "expired"
    cancelled = "cancelled"


OPEN_STATUSES = (SurveyStatus.sent, SurveyStatus.reminded)
TIMED_STATUSES = (SurveyStatus.scheduled, SurveyStatus.sent, SurveyStatus.reminded)


class StepKind(StrEnum):
    """What a due survey timer does."""

    send = "send"
    remind = "remind"
    expire = "expire"


@dataclass(frozen=True)
class SurveyPolicy:
    """When a survey goes out after resolution, when the one reminder goes, when it ends."""

    delay: timedelta
    reminder_after: timedelta
    expire_after: timedelta

    def send_at(self, resolved_at: datetime, callback_deadline: datetime | None = None) -> datetime:
        """When to send: ``delay`` after resolution, but never after the SLA's satisfaction
        callback deadline (and never before the resolution itself)."""
        planned = resolved_at + self.delay
        if callback_deadline is not None:
            planned = max(resolved_at, min(planned, callback_deadline))
        return planned


@dataclass(frozen=True)
class SurveyStep:
    """One transition a due timer performs."""

    kind: StepKind
    next_status: SurveyStatus
    next_due: datetime | None
    expires_at: datetime


def next_step(
    status: SurveyStatus, *, now: datetime, policy: SurveyPolicy, expires_at: datetime | None
) -> SurveyStep | None:
    """The transition of a survey whose timer is due at ``now`` (None: nothing to do).

    Sending plans the expiry from ``now`` unless one was already planned (an interrupted
    earlier attempt), so the link sent and the survey on record always agree.
    """
    if status is SurveyStatus.scheduled:
        expiry = expires_at if expires_at is not None else now + policy.expire_after
        remind = expiry - policy.expire_after + policy.reminder_after
        if remind < expiry:
            return SurveyStep(StepKind.send, SurveyStatus.sent, remind, expiry)
        return SurveyStep(StepKind.send, SurveyStatus.reminded, expiry, expiry)
    if expires_at is None:
        return None
    if status is SurveyStatus.sent and now < expires_at:
        return SurveyStep(StepKind.remind, SurveyStatus.reminded, expires_at, expires_at)
    if status in OPEN_STATUSES:
        return SurveyStep(StepKind.expire, SurveyStatus.expired, None, expires_at)
    return None


@dataclass(frozen=True)
class SurveyAnswer:
    """A validated answer: score 1–5, whether the problem was solved, an optional comment."""

    score: int
    solved: bool
    comment: str = ""


MAX_COMMENT_CHARS = 2000
_YES = {"yes", "true", "1", "on", "是"}
_NO = {"no", "false", "0", "off", "否"}


class AnswerInvalid(ValueError):
    """An answer with problems, by field name."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("invalid answer: " + ", ".join(sorted(problems)))
        self.problems = problems


def _parse_score(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _parse_solved(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
    return None


def parse_answer(score: object, solved: object, comment: object) -> SurveyAnswer:
    """Validate raw form or JSON values; :class:`AnswerInvalid` names every bad field."""
    problems: dict[str, str] = {}
    parsed_score = _parse_score(score)
    if parsed_score is None or not 1 <= parsed_score <= 5:
        problems["score"] = "must be a whole number from 1 to 5"
    parsed_solved = _parse_solved(solved)
    if parsed_solved is None:
        problems["solved"] = "must be yes or no"
    text = "" if comment is None else comment
    if not isinstance(text, str):
        problems["comment"] = "must be text"
    elif len(text) > MAX_COMMENT_CHARS:
        problems["comment"] = f"must be at most {MAX_COMMENT_CHARS} characters"
    if problems:
        raise AnswerInvalid(problems)
    assert parsed_score is not None and parsed_solved is not None and isinstance(text, str)
    return SurveyAnswer(parsed_score, parsed_solved, text.strip())


def is_dissatisfied(score: int, solved: bool) -> bool:
    """A score of 2 or less, or "not solved": the complaint must be handled again."""
    return score <= 2 or not solved


def is_satisfied(score: int, solved: bool) -> bool:
    """Counts towards CSAT: a score of 4 or 5 and the problem solved."""
    return score >= 4 and solved
