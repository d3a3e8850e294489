"""Rebuilding a partition's deadline index from the durable table (after every assignment,
once faust has restored the partition from its changelog). Only each row's small index
header is read, so a million rows take seconds, not minutes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable

from closeloop_sla.adapters.clock_codec import decode_header, decode_risk, decode_row
from closeloop_sla.adapters.clock_store import RowStore
from closeloop_sla.domain.at_risk import ComplaintRisk, risk_of
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.deadline_index import DeadlineKey
from closeloop_sla.service.deadline_schedule import DeadlineSchedule

log = logging.getLogger(__name__)
_KINDS = {kind.value: kind.value for kind in ClockKind}  # share one string per kind
_YIELD_EVERY = 5000


async def rebuild_partition(
    store: RowStore,
    schedule: DeadlineSchedule,
    partition: int,
    calendar_of: Callable[[str], BusinessCalendar] | None = None,
) -> int:
    """Index every row of ``partition`` (deadlines and the at-risk list; ``calendar_of``
    is needed only for rows written before the at-risk list); returns the rows read."""
    started = time.perf_counter()
    entries: list[tuple[int, DeadlineKey]] = []
    states: Counter[str] = Counter()
    risks: list[tuple[str, ComplaintRisk]] = []
    rows = 0
    for complaint_id, raw in store.rows(partition):
        due, open_states = decode_header(raw)
        risk = decode_risk(raw)
        if risk is None and open_states and calendar_of is not None:  # an older row
            risk = risk_of(decode_row(raw), calendar_of)
        if risk is not None and risk.clocks:
            risks.append((complaint_id, risk))
        entries.extend((micros, (complaint_id, _KINDS.get(kind, kind))) for micros, kind in due)
        states.update(open_states)
        rows += 1
        if rows % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # keep HTTP probes and the other partitions' timer alive
    schedule.rebuild(partition, entries, states)
    schedule.at_risk.rebuild(partition, risks)
    log.info(
        "deadline index rebuilt",
        extra={
            "partition": partition,
            "rows": rows,
            "deadlines": len(entries),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return rows
