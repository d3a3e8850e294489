"""Answers computed over a whole window of data (reports), kept as snapshots.

A report over thousands of complaints takes seconds to compute and changes slowly, while a
supervisor's page asks for it on every load. Each key's last answer is served while it is
younger than ``fresh_s``. An older answer, up to ``stale_s``, is still served at once while
one refresh runs in the background (stale-while-revalidate). Past that, or for a key never
computed, the caller waits, and concurrent callers share one computation (single flight),
so twenty supervisors opening the report page cost the database one report, not twenty.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot(Generic[V]):
    """An answer and the monotonic time it was computed."""

    value: V
    computed_at: float

    def age_s(self, now: float) -> float:
        return max(0.0, now - self.computed_at)


class SnapshotMemo(Generic[K, V]):
    """Snapshots per key: fresh ones served, stale ones served while refreshed, missing or
    expired ones computed once for every caller waiting on them. A failed computation is
    raised to its callers and never stored."""

    def __init__(
        self,
        *,
        fresh_s: float,
        stale_s: float,
        max_keys: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fresh_s < 0 or stale_s < fresh_s:
            raise ValueError("need 0 <= fresh_s <= stale_s")
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._fresh_s = fresh_s
        self._stale_s = stale_s
        self._max_keys = max_keys
        self._clock = clock
        self._snapshots: OrderedDict[K, Snapshot[V]] = OrderedDict()
        self._running: dict[K, asyncio.Task[Snapshot[V]]] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> Snapshot[V]:
        """The snapshot of ``key``, computing it with ``compute`` when there is none usable."""
        now = self._clock()
        held = self._snapshots.get(key)
        if held is not None and held.age_s(now) < self._stale_s:
            if held.age_s(now) >= self._fresh_s:
                self._refresh(key, compute)  # answer now; the next caller gets the new one
            return held
        # shield: one caller giving up (a closed connection) must not cancel the others' work
        return await asyncio.shield(self._refresh(key, compute))

    def age_s(self, snapshot: Snapshot[V]) -> float:
        """How old ``snapshot`` is now, by this memo's clock (an HTTP ``Age``)."""
        return snapshot.age_s(self._clock())

    def _refresh(self, key: K, compute: Callable[[], Awaitable[V]]) -> asyncio.Task[Snapshot[V]]:
        running = self._running.get(key)
        if running is None:
            running = asyncio.get_running_loop().create_task(self._compute(key, compute))
            self._running[key] = running
            running.add_done_callback(self._retrieve_error)
        return running

    async def _compute(self, key: K, compute: Callable[[], Awaitable[V]]) -> Snapshot[V]:
        try:
            snapshot = Snapshot(await compute(), self._clock())
        finally:
            self._running.pop(key, None)
        self._snapshots[key] = snapshot
        self._snapshots.move_to_end(key)
        while len(self._snapshots) > self._max_keys:
            self._snapshots.popitem(last=False)
        return snapshot

    @staticmethod
    def _retrieve_error(task: asyncio.Task[Snapshot[V]]) -> None:
        # A background refresh nobody awaits: its error reaches the next caller that must
        # wait (the snapshot is not replaced), never "exception was never retrieved".
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("snapshot refresh failed", extra={"error": type(error).__name__})
