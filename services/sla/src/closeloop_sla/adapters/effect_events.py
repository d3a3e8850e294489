"""Clock effects → CloudEvents on ``sla.events.v1``, with **deterministic ids**.

A warning, a breach, a start, a met and a cancel happen at most once per clock run, so
their ``ce_id`` is derived from ``(complaint, clock, run, what)``: however often the engine
re-derives them (redelivered input, a crash between the publish and the table write), it
publishes the *same* event and consumers deduplicate by ``ce_id``. Pauses, resumes,
extensions and retargets can repeat within a run; their id derives from the input event
that caused them, which is equally stable under redelivery.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TypedDict

from closeloop_shared.durations import format_duration
from closeloop_shared.events import sla
from closeloop_shared.events.envelope import CloudEvent
from closeloop_sla.domain import clock_effects as fx
from closeloop_sla.domain.clock_coverage import CoverageGap
from closeloop_sla.domain.complaint_clocks import ComplaintClocks

SOURCE = "closeloop/sla"
ID_NAMESPACE = uuid.UUID("6d1c5a8e-3b7f-5b0e-9a51-7c2f0e1d4b63")


class _Common(TypedDict):
    complaint_id: str
    at: datetime
    clock: str
    policy_id: str
    policy_version: int
    severity: str | None
    run: int


def effect_id(effect: fx.ClockEffect, cause_id: str) -> str:
    """The CloudEvent id of an effect (see the module docstring)."""
    base = f"{effect.complaint_id}/{effect.kind.value}/{effect.run}"
    if isinstance(effect, fx.ClockBreached):
        name = f"{base}/breach"
    elif isinstance(effect, fx.ClockWarned):
        name = f"{base}/warning/{effect.threshold}"
    elif isinstance(effect, fx.ClockStarted | fx.ClockMet | fx.ClockCancelled):
        name = f"{base}/{type(effect).__name__}"
    else:
        name = f"{cause_id}/{base}/{type(effect).__name__}"
    return _uuid5(name)


_NAMESPACE_BYTES = ID_NAMESPACE.bytes


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(ID_NAMESPACE, name))`` without building UUID objects (hot path)."""
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def event_of(
    effect: fx.ClockEffect, state: ComplaintClocks, *, cause_id: str, now: datetime
) -> CloudEvent:
    """The CloudEvent announcing ``effect`` of the clock set ``state``."""
    clock = state.clock(effect.kind)
    policy_id = clock.policy_id if clock is not None else state.policy_id
    policy_version = clock.policy_version if clock is not None else state.policy_version
    common: _Common = {
        "complaint_id": effect.complaint_id,
        "at": effect.at,
        "clock": effect.kind.value,
        "policy_id": policy_id,
        "policy_version": policy_version,
        "severity": state.attributes.severity,
        "run": effect.run,
    }
    body = _body(effect, common, clock.calendar if clock is not None else None)
    return CloudEvent.of(
        body,
        source=SOURCE,
        subject=effect.complaint_id,
        id=effect_id(effect, cause_id),
        time=now,
    )


def _body(effect: fx.ClockEffect, common: _Common, calendar: str | None) -> sla.ClockEvent:
    if isinstance(effect, fx.ClockStarted):
        return sla.ClockStarted(
            **common,
            deadline=effect.deadline,
            target=format_duration(effect.target),
            calendar=calendar,
            restarted=effect.restarted,
        )
    if isinstance(effect, fx.ClockPaused):
        return sla.ClockPaused(**common, remaining_seconds=effect.remaining.total_seconds())
    if isinstance(effect, fx.ClockResumed):
        return sla.ClockResumed(**common, deadline=effect.deadline)
    if isinstance(effect, fx.ClockExtended):
        return sla.ClockExtended(
            **common,
            deadline=effect.deadline,
            reason=effect.reason,
            consented=effect.consented,
            added_seconds=effect.added.total_seconds(),
        )
    if isinstance(effect, fx.ClockWarned):
        return sla.ClockWarning(**common, deadline=effect.deadline, threshold=effect.threshold)
    if isinstance(effect, fx.ClockBreached):
        return sla.ClockBreached(
            **common, deadline=effect.at, detected_at=effect.detected_at, breach_number=effect.run
        )
    if isinstance(effect, fx.ClockMet):
        return sla.ClockMet(
            **common,
            late=effect.late,
            working_seconds=effect.working_time.total_seconds(),
            budget_seconds=effect.budget.total_seconds(),
        )
    if isinstance(effect, fx.ClockCancelled):
        return sla.ClockCancelled(**common, reason=effect.reason)
    if isinstance(effect, fx.ClockRetargeted):
        moved: _Common = {
            **common,
            "policy_id": effect.policy_id,
            "policy_version": effect.policy_version,
        }
        return sla.ClockRetargeted(
            **moved,
            deadline=effect.deadline,
            target=format_duration(effect.target),
            calendar=effect.calendar,
        )
    raise TypeError(f"no event for clock effect {type(effect).__name__}")


def coverage_event_of(
    gap: CoverageGap, state: ComplaintClocks, *, cause_id: str, now: datetime
) -> CloudEvent:
    """The CloudEvent announcing that a new deadline runs past its calendar's holidays (its
    id derives from the effect's, so a re-derived effect announces the same gap)."""
    effect = gap.effect
    clock = state.clock(effect.kind)
    body = sla.CalendarCoverageExceeded(
        complaint_id=effect.complaint_id,
        at=effect.at,
        clock=effect.kind.value,
        run=effect.run,
        policy_id=clock.policy_id if clock is not None else state.policy_id,
        policy_version=clock.policy_version if clock is not None else state.policy_version,
        calendar=gap.calendar,
        deadline=gap.deadline,
        covered_until=gap.covered_until,
    )
    event_id = _uuid5(f"{effect_id(effect, cause_id)}/coverage_exceeded")
    return CloudEvent.of(body, source=SOURCE, subject=effect.complaint_id, id=event_id, time=now)
