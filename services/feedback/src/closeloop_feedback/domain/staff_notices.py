"""What staff are told, whom, and when (R3: nobody may miss a stalled complaint; and
nobody is woken at midnight for what can wait — cf. Zammad#4432).

A warning, a breach, an escalation (a major complaint: the leader and the special team),
a transfer into a department and an assignment each notify the people concerned. A
breach, and anything about an urgent complaint, goes at once to the department's on-call
person; everybody else is told at their next working hour by the department's working
hours. Without an on-call person, urgent notices go to everybody at once: an urgent
notice must never wait for the morning because nobody is on call.

Texts carry complaint ids, departments, clocks and reasons — never customer data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class StaffKind(StrEnum):
    """Why staff are told."""

    warning = "warning"
    breach = "breach"
    escalation = "escalation"
    major = "major"
    transfer = "transfer"
    assignment = "assignment"


@dataclass(frozen=True)
class WorkingHours:
    """A department's working week: ISO weekdays (1 = Monday) from ``start`` to ``end``."""

    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def parse(cls, timezone: str, days: Iterable[int], start: str, end: str) -> WorkingHours:
        return cls(
            ZoneInfo(timezone), frozenset(days), time.fromisoformat(start), time.fromisoformat(end)
        )

    def next_working_time(self, now: datetime) -> datetime:
        """``now`` if it is within working hours, else the start of the next working
        period (within two weeks; never, for a week without working days: then ``now``)."""
        local = now.astimezone(self.zone)
        for offset in range(15):
            day = (local + timedelta(days=offset)).date()
            if day.isoweekday() not in self.days:
                continue
            opens = datetime.combine(day, self.start, self.zone)
            closes = datetime.combine(day, self.end, self.zone)
            if local < opens:
                return opens
            if local < closes:
                return now
        return now


@dataclass(frozen=True)
class StaffNotice:
    """One thing to tell staff, about one complaint, in one department."""

    kind: StaffKind
    complaint_id: str
    department: str
    recipients: tuple[str, ...]
    urgent: bool
    subject: str
    text: str


@dataclass(frozen=True)
class Delivery:
    """One recipient of a notice and when they are told."""

    recipient: str
    send_at: datetime


_ESCALATION_KINDS = {
    "sla_warning": StaffKind.warning,
    "sla_breach": StaffKind.breach,
    "major_complaint": StaffKind.major,
}
_TITLES = {
    StaffKind.warning: "SLA 预警 / SLA warning",
    StaffKind.breach: "SLA 超时 / SLA breach",
    StaffKind.escalation: "投诉升级 / Escalation",
    StaffKind.major: "重大投诉 / Major complaint",
    StaffKind.transfer: "投诉转入 / Complaint transferred in",
    StaffKind.assignment: "投诉分派 / Complaint assigned",
}


def _unique(people: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in people if p))


def _notice(
    kind: StaffKind,
    complaint_id: str,
    department: str,
    recipients: Iterable[str | None],
    urgent: bool,
    details: str,
) -> StaffNotice:
    title = _TITLES[kind]
    text = f"{title}\n投诉 / complaint: {complaint_id}\n部门 / department: {department}\n{details}"
    return StaffNotice(
        kind=kind,
        complaint_id=complaint_id,
        department=department,
        recipients=_unique(recipients),
        urgent=urgent or kind is StaffKind.breach,
        subject=f"[Closeloop] {title}: {complaint_id}",
        text=text,
    )


def escalation_notice(
    complaint_id: str,
    department: str,
    *,
    level: int,
    trigger: str,
    to: Iterable[str],
    reason: str,
    clock: str | None,
    urgent_complaint: bool,
) -> StaffNotice:
    """A warning, a breach or an escalation, to everyone the escalation names."""
    kind = _ESCALATION_KINDS.get(trigger, StaffKind.escalation)
    details = f"级别 / level: {level}\n原因 / reason: {reason}"
    if clock:
        details += f"\n时限 / clock: {clock}"
    return _notice(kind, complaint_id, department, to, urgent_complaint, details)


def transfer_notice(
    complaint_id: str,
    *,
    from_department: str,
    to_department: str,
    reason: str,
    supervisor: str | None,
    urgent_complaint: bool,
) -> StaffNotice:
    """A complaint transferred in: its new department's supervisor is told."""
    details = f"转自 / from: {from_department}\n原因 / reason: {reason}"
    return _notice(
        StaffKind.transfer, complaint_id, to_department, [supervisor], urgent_complaint, details
    )


def assignment_notice(
    complaint_id: str, department: str, *, assignee: str, urgent_complaint: bool
) -> StaffNotice:
    """A complaint given to an agent: the agent is told."""
    details = f"处理人 / assignee: {assignee}"
    return _notice(
        StaffKind.assignment, complaint_id, department, [assignee], urgent_complaint, details
    )


def deliveries(
    notice: StaffNotice, *, on_call: str | None, hours: WorkingHours, now: datetime
) -> list[Delivery]:
    """Who is told when: an urgent notice at once to the on-call person (everybody at
    once when there is none); everybody else at their next working hour."""
    later = hours.next_working_time(now)
    if not notice.urgent:
        return [Delivery(r, later) for r in notice.recipients]
    if on_call is None:
        return [Delivery(r, now) for r in notice.recipients]
    told = [Delivery(on_call, now)]
    return told + [Delivery(r, later) for r in notice.recipients if r != on_call]
