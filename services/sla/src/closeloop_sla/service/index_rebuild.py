"""Rebuilding a partition's deadline index from the durable table (after every assignment,
once faust has restored the partition from its changelog). Only each row's small index
header is read, so a million rows take seconds, not minutes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from closeloop_sla.adapters.clock_codec import decode_header
from closeloop_sla.adapters.clock_store import RowStore
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.deadline_index import DeadlineKey
from closeloop_sla.service.deadline_schedule import DeadlineSchedule

log = logging.getLogger(__name__)
_KINDS = {kind.value: kind.value for kind in ClockKind}  # share one string per kind
_YIELD_EVERY = 5000


async def rebuild_partition(store: RowStore, schedule: DeadlineSchedule, partition: int) -> int:
    """Index every row of ``partition``; returns the number of rows read."""
    started = time.perf_counter()
    entries: list[tuple[int, DeadlineKey]] = []
    states: Counter[str] = Counter()
    rows = 0
    for complaint_id, raw in store.rows(partition):
        due, open_states = decode_header(raw)
        entries.extend((micros, (complaint_id, _KINDS.get(kind, kind))) for micros, kind in due)
        states.update(open_states)
        rows += 1
        if rows % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # keep HTTP probes and the other partitions' timer alive
    schedule.rebuild(partition, entries, states)
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
