"""``GET /v1/sla/complaints/{id}``: every clock of a complaint, read from the clock table."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka.partitioner import murmur2
from fastapi import APIRouter

from closeloop_shared.durations import format_duration
from closeloop_shared.http.errors import ApiError
from closeloop_sla.adapters.clock_codec import decode_row
from closeloop_sla.domain.clock import (
    ClockPhase,
    deadline_of,
    remaining_working_time,
    working_time_used,
)
from closeloop_sla.domain.complaint_clocks import ComplaintClocks, display_state
from closeloop_sla.domain.policy_library import PolicyLibrary
from closeloop_sla.entrypoints.api.deps import Container, Reader
from closeloop_sla.entrypoints.api.schemas import ClockRead, ComplaintClocksRead, ExtensionRead

router = APIRouter(prefix="/v1/sla/complaints", tags=["clocks"])


@router.get("/{complaint_id}", summary="Every clock of a complaint")
async def get_clocks(complaint_id: str, parts: Container, caller: Reader) -> ComplaintClocksRead:
    raw = parts.store.lookup(complaint_id)
    if raw is None:
        partition = (murmur2(complaint_id.encode()) & 0x7FFFFFFF) % parts.partitions
        if partition not in parts.schedule.partitions:
            raise ApiError(503, "unavailable", "this complaint's clocks live on another worker")
        raise ApiError(404, "not_found", f"no clocks for complaint {complaint_id!r}")
    state = decode_row(raw)
    if not caller.may_see_department(state.department):
        raise ApiError(404, "not_found", f"no clocks for complaint {complaint_id!r}")
    return view(state, parts.library, datetime.now(UTC))


def view(state: ComplaintClocks, library: PolicyLibrary, now: datetime) -> ComplaintClocksRead:
    """What the API shows of a clock set at ``now``."""
    clocks = []
    for clock in state.clocks:
        calendar = library.calendar(clock.calendar)
        running_deadline = deadline_of(clock, calendar)
        clocks.append(
            ClockRead(
                clock=clock.kind.value,
                state=display_state(clock),
                paused=clock.phase is ClockPhase.PAUSED,
                deadline=running_deadline or clock.breached_at,
                elapsed_working_seconds=working_time_used(clock, calendar, now).total_seconds(),
                remaining_working_seconds=remaining_working_time(
                    clock, calendar, now
                ).total_seconds(),
                target=format_duration(clock.target),
                calendar=clock.calendar,
                policy_id=clock.policy_id,
                policy_version=clock.policy_version,
                run=clock.run,
                started_at=clock.started_at,
                warnings_fired=list(clock.warnings_fired),
                breached_at=clock.breached_at,
                met_at=clock.met_at,
                extensions=[
                    ExtensionRead(
                        at=e.at,
                        reason=e.reason,
                        consented=e.consented,
                        added_seconds=e.added.total_seconds(),
                        new_deadline=e.new_deadline,
                    )
                    for e in clock.extensions
                ],
            )
        )
    return ComplaintClocksRead(
        complaint_id=state.complaint_id,
        policy_id=state.policy_id,
        policy_version=state.policy_version,
        department=state.department,
        severity=state.attributes.severity,
        clocks=clocks,
    )
