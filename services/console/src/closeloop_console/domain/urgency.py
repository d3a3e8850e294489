"""How urgent a complaint is on screen: its next deadline, its countdown colour, its rank.

Pure functions over the services' JSON (clocks as intake and sla publish them), so the
queue order and the amber/red rules are unit-tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# Lower is more urgent; unknown severities sort after the known ones.
SEVERITY_RANK = {"urgent": 0, "major": 1, "complex": 2, "normal": 3, "low": 4}
RUNNING_STATES = {"running", "warned", "warning", "breached", "paused"}


class Tone(StrEnum):
    """The countdown's colour."""

    ok = "ok"
    warning = "warning"  # amber
    breach = "breach"  # red
    idle = "idle"  # no running clock


@dataclass(frozen=True)
class Countdown:
    clock: str | None
    deadline: datetime | None
    tone: Tone

    def remaining_s(self, now: datetime) -> float | None:
        return None if self.deadline is None else (self.deadline - now).total_seconds()


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def clock_tone(state: str | None, deadline: datetime | None, now: datetime) -> Tone:
    """Red once breached (by event or because the deadline passed), amber once warned."""
    state = (state or "").lower()
    if state == "breached" or (deadline is not None and deadline <= now and state != "met"):
        return Tone.breach
    if state in {"warned", "warning"}:
        return Tone.warning
    if state in RUNNING_STATES:
        return Tone.ok
    return Tone.idle


def next_countdown(clocks: Mapping[str, Mapping[str, Any]], now: datetime) -> Countdown:
    """The clock that ends first among those still running (met/cancelled ones are done)."""
    best: Countdown | None = None
    for name, clock in clocks.items():
        state = str(clock.get("state") or "")
        if state.lower() not in RUNNING_STATES:
            continue
        deadline = parse_time(clock.get("deadline"))
        candidate = Countdown(name, deadline, clock_tone(state, deadline, now))
        if best is None or _sooner(candidate, best):
            best = candidate
    return best or Countdown(None, None, Tone.idle)


def _sooner(a: Countdown, b: Countdown) -> bool:
    if a.deadline is None:
        return False
    return b.deadline is None or a.deadline < b.deadline


def queue_order(
    complaints: Iterable[Mapping[str, Any]], now: datetime
) -> list[tuple[Mapping[str, Any], Countdown]]:
    """Complaints by time remaining (soonest first; none last), then severity, then age."""
    rows = [(c, next_countdown(c.get("sla") or {}, now)) for c in complaints]

    def key(row: tuple[Mapping[str, Any], Countdown]) -> tuple[int, float, int, str]:
        complaint, countdown = row
        remaining = countdown.remaining_s(now)
        return (
            1 if remaining is None else 0,
            remaining if remaining is not None else 0.0,
            SEVERITY_RANK.get(str(complaint.get("severity")), len(SEVERITY_RANK)),
            str(complaint.get("received_at") or ""),
        )

    return sorted(rows, key=key)


def mine(complaints: Iterable[Mapping[str, Any]], subject: str) -> list[Mapping[str, Any]]:
    """Only the caller's complaints: owner or co-owner (a guard while a service may still
    ignore ``assignee=me`` and answer with everything)."""
    return [
        c
        for c in complaints
        if c.get("assignee") == subject or subject in (c.get("co_owners") or [])
    ]


def format_remaining(seconds: float | None) -> str:
    """``-1:05:00`` style (negative once overdue); empty when there is no deadline."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:d}:{minutes:02d}:{secs:02d}"
    return f"{sign}{days}d {clock}" if days else f"{sign}{clock}"
