"""What the timer watches: one ordered :class:`DeadlineIndex` per table partition, kept in
step with every row write, plus the open-clock state counts behind the
``closeloop_sla_clocks_open`` gauge, and which partitions have an expiry tick in flight
(one at a time per partition, so a slow processor is not flooded with ticks).

The index is derived state: on every (re)assignment it is rebuilt from the durable table
(:meth:`rebuild`), and each row write replaces the row's entries (:meth:`update`). An entry
that is stale (the clock moved on) costs one wasted expiry command, never a wrong alert:
the command handler fires only what the stored clock says is due.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.deadline_index import DeadlineIndex, DeadlineKey, from_micros, to_micros
from closeloop_sla.metrics import CLOCKS_OPEN, OPEN_STATES
from closeloop_sla.service.at_risk_index import AtRiskIndex

_KINDS = tuple(kind.value for kind in ClockKind)


class DeadlineSchedule:
    """Per-partition deadline indexes and open-clock counts."""

    def __init__(self) -> None:
        self._indexes: dict[int, DeadlineIndex] = {}
        self._states: dict[int, Counter[str]] = {}
        self._ticked: dict[int, float] = {}  # partition → when its pending tick was sent
        self.wakeup = asyncio.Event()
        self.ready = False
        self.at_risk = AtRiskIndex()  # what breaches next, kept with the deadline index

    # -- row writes -------------------------------------------------------------------
    def update(
        self,
        partition: int,
        complaint_id: str,
        due: Iterable[tuple[int, str]],
        old_states: Iterable[str] = (),
        new_states: Iterable[str] = (),
        kinds: Iterable[str] = _KINDS,
    ) -> None:
        """Replace a row's entries with ``due`` (``(micros, clock kind)``) and move its
        open-clock states from ``old_states`` to ``new_states``; ``kinds`` are the clock
        kinds the row may have entries for (all by default)."""
        index = self._indexes.setdefault(partition, DeadlineIndex())
        before = index.next_instant_micros()
        for kind in kinds:
            index.cancel((complaint_id, kind))
        earliest: int | None = None
        for micros, kind in due:
            index.schedule_micros((complaint_id, kind), micros)
            earliest = micros if earliest is None else min(earliest, micros)
        if earliest is not None and (before is None or earliest < before):
            self.wakeup.set()  # the timer may be sleeping towards a later instant
        counts = self._states.setdefault(partition, Counter())
        counts.subtract(old_states)
        counts.update(new_states)

    # -- the timer's view -------------------------------------------------------------
    def next_instant(self, partitions: Iterable[int] | None = None) -> datetime | None:
        """The earliest scheduled instant over ``partitions`` (default: all)."""
        chosen = self._indexes if partitions is None else partitions
        instants = [self._indexes[p].next_instant_micros() for p in chosen if p in self._indexes]
        candidates = [m for m in instants if m is not None]
        return from_micros(min(candidates)) if candidates else None

    def due_partitions(self, now: datetime, *, clock: float, retick_s: float) -> list[int]:
        """Partitions with something due at ``now`` and no tick pending (a tick older than
        ``retick_s`` counts as lost)."""
        cutoff = to_micros(now)
        due = []
        for partition, index in self._indexes.items():
            sent = self._ticked.get(partition)
            if sent is not None and clock - sent < retick_s:
                continue
            earliest = index.next_instant_micros()
            if earliest is not None and earliest <= cutoff:
                due.append(partition)
        return due

    def idle_partitions(self, *, clock: float, retick_s: float) -> list[int]:
        """Partitions without a pending tick (the ones the timer sleeps for)."""
        return [
            p for p in self._indexes if p not in self._ticked or clock - self._ticked[p] >= retick_s
        ]

    def mark_ticked(self, partition: int, clock: float) -> None:
        """A tick for ``partition`` is on its way to the stream processor."""
        self._ticked[partition] = clock

    def tick_done(self, partition: int) -> None:
        """The stream processor handled a tick of ``partition``: the timer may send more."""
        if self._ticked.pop(partition, None) is not None:
            self.wakeup.set()

    def pop_partition_due(
        self, partition: int, now: datetime, limit: int
    ) -> list[tuple[int, DeadlineKey]]:
        """Remove and return up to ``limit`` ``(micros, key)`` of ``partition`` due by ``now``."""
        index = self._indexes.get(partition)
        return index.pop_due_entries(now, limit) if index is not None else []

    def restore(self, partition: int, entries: Iterable[tuple[int, DeadlineKey]]) -> None:
        """Put popped entries back (their batch failed before anything was written)."""
        index = self._indexes.setdefault(partition, DeadlineIndex())
        for micros, key in entries:
            index.schedule_micros(key, micros)

    # -- rebalancing ------------------------------------------------------------------
    def rebuild(
        self, partition: int, entries: list[tuple[int, DeadlineKey]], states: Counter[str]
    ) -> None:
        """Replace a partition's index and counts with what its stored rows say."""
        index = DeadlineIndex()
        index.load_micros(entries)
        self._indexes[partition] = index
        self._states[partition] = states
        self.wakeup.set()

    def drop(self, partition: int) -> None:
        """Forget a partition that is no longer ours."""
        self._indexes.pop(partition, None)
        self._states.pop(partition, None)
        self._ticked.pop(partition, None)
        self.at_risk.drop(partition)

    @property
    def partitions(self) -> set[int]:
        """Partitions with an index."""
        return set(self._indexes)

    def __len__(self) -> int:
        return sum(len(index) for index in self._indexes.values())

    def publish_gauges(self) -> None:
        """Set ``closeloop_sla_clocks_open{state}`` from the counts."""
        total: Counter[str] = Counter()
        for counts in self._states.values():
            total.update(counts)
        for state in OPEN_STATES:
            CLOCKS_OPEN.labels(state).set(max(0, total[state]))
