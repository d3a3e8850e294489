"""An ordered index of the next due instant of every open clock (architecture: SLA engine).

A periodic scan of a million open complaints cannot fire a breach within a second of its
deadline; a min-heap can: the next instant is always at the top. Entries are plain tuples
``(microseconds since the epoch, key)`` (no object per entry), and the dict ``key → entry``
makes cancelling and rescheduling O(1) by *lazy deletion*: a heap entry whose tuple is no
longer the one the dict holds is stale and skipped when it reaches the top. When stale
entries outnumber live ones the heap is rebuilt, so memory stays proportional to the live
entries. A key is ``(complaint_id, clock_kind)``; ties on the instant order by key.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

DeadlineKey = tuple[str, str]
_Entry = tuple[int, DeadlineKey]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_COMPACT_MIN = 1024


class DeadlineIndex:
    """Min-heap of ``(instant, key)`` with O(log n) schedule and pop, O(1) cancel."""

    __slots__ = ("_heap", "_live")

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._live: dict[DeadlineKey, _Entry] = {}

    def schedule(self, key: DeadlineKey, instant: datetime) -> None:
        """Make ``key`` due at ``instant``, replacing any instant it had."""
        entry = (_to_micros(instant), key)
        self._live[key] = entry
        heapq.heappush(self._heap, entry)
        self._compact_if_sparse()

    def schedule_micros(self, key: DeadlineKey, micros: int) -> None:
        """:meth:`schedule` with the instant as microseconds since the epoch (UTC)."""
        entry = (micros, key)
        self._live[key] = entry
        heapq.heappush(self._heap, entry)
        self._compact_if_sparse()

    def load_micros(self, entries: Iterable[tuple[int, DeadlineKey]]) -> None:
        """Bulk :meth:`schedule_micros` of ``(micros, key)`` pairs in O(n): one heapify
        instead of n pushes (rebuilding a partition's index after recovery)."""
        live = self._live
        for entry in entries:
            live[entry[1]] = entry
        self._heap = list(live.values())
        heapq.heapify(self._heap)

    def clear(self) -> None:
        """Forget every key (the partition was revoked)."""
        self._heap.clear()
        self._live.clear()

    def cancel(self, key: DeadlineKey) -> bool:
        """Forget ``key``; returns whether it was scheduled."""
        found = self._live.pop(key, None) is not None
        self._compact_if_sparse()
        return found

    def pop_due(self, now: datetime, limit: int | None = None) -> list[DeadlineKey]:
        """Remove and return the keys due at or before ``now``, earliest first."""
        return [key for _, key in self.pop_due_entries(now, limit)]

    def pop_due_entries(
        self, now: datetime, limit: int | None = None
    ) -> list[tuple[int, DeadlineKey]]:
        """:meth:`pop_due` with each key's instant (microseconds since the epoch)."""
        cutoff = _to_micros(now)
        heap, live = self._heap, self._live
        due: list[tuple[int, DeadlineKey]] = []
        while heap and heap[0][0] <= cutoff and (limit is None or len(due) < limit):
            entry = heapq.heappop(heap)
            if live.get(entry[1]) is entry:
                del live[entry[1]]
                due.append(entry)
        return due

    def next_instant(self) -> datetime | None:
        """The earliest scheduled instant (UTC), or ``None`` when nothing is scheduled."""
        heap, live = self._heap, self._live
        while heap and live.get(heap[0][1]) is not heap[0]:
            heapq.heappop(heap)  # drop stale tops so the answer is a live entry
        return _from_micros(heap[0][0]) if heap else None

    def next_instant_micros(self) -> int | None:
        """:meth:`next_instant` as microseconds since the epoch (no datetime built)."""
        heap, live = self._heap, self._live
        while heap and live.get(heap[0][1]) is not heap[0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def instant_of(self, key: DeadlineKey) -> datetime | None:
        """When ``key`` is due, or ``None`` if it is not scheduled."""
        entry = self._live.get(key)
        return _from_micros(entry[0]) if entry is not None else None

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def __len__(self) -> int:
        return len(self._live)

    def _compact_if_sparse(self) -> None:
        if len(self._heap) > _COMPACT_MIN and len(self._heap) > 2 * len(self._live):
            self._heap = list(self._live.values())
            heapq.heapify(self._heap)


def to_micros(instant: datetime) -> int:
    """Microseconds since the epoch of an aware instant (how the index orders entries)."""
    return _to_micros(instant)


def from_micros(micros: int) -> datetime:
    """The UTC instant of ``micros`` microseconds since the epoch."""
    return _from_micros(micros)


def _to_micros(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("deadline instants must be time-zone aware")
    return (instant - _EPOCH) // _MICROSECOND


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)
