"""The timer: sleeps until the earliest deadline of any owned partition, then sends that
partition an ``ExpireDue`` tick on ``sla.commands.v1`` (explicit partition, so it is
co-partitioned with the table). It never changes a clock itself: the stream processor that
owns the partition takes the due entries from the index and fires them, inside stream
processing, so the table stays the one source of truth.

One tick per partition is in flight at a time; the processor's acknowledgement (or, if a
tick is lost, ``retick_s``) lets the next one go. An entry fires only once the wall clock
has reached its instant, and the processor fires only what is due at *its* later "now":
an alert is never early. Rows that fall due earlier than the instant the timer sleeps
towards wake it (``DeadlineSchedule.wakeup``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from closeloop_shared.events import sla
from closeloop_shared.events.envelope import CloudEvent
from closeloop_sla.adapters.effect_events import SOURCE
from closeloop_sla.service.deadline_schedule import DeadlineSchedule

SendCommands = Callable[[Sequence[tuple[int, CloudEvent]]], Awaitable[None]]
MAX_SLEEP_S = 1.0


class DeadlineTimer:
    """Emits expiry ticks for partitions with due deadlines."""

    def __init__(
        self,
        schedule: DeadlineSchedule,
        send: SendCommands,
        *,
        retick_s: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schedule = schedule
        self._send = send
        self._retick_s = retick_s
        self._now = now
        self._clock = clock
        self.ticks = 0

    async def run(self) -> None:
        """Loop until cancelled."""
        while True:
            await self.tick()
            await self._sleep()

    async def tick(self) -> int:
        """Send a tick to every partition with something due; returns how many."""
        if not self._schedule.ready:
            return 0
        now, clock = self._now(), self._clock()
        due = self._schedule.due_partitions(now, clock=clock, retick_s=self._retick_s)
        if due:
            for partition in due:
                self._schedule.mark_ticked(partition, clock)
            await self._send([(p, _tick(p, now)) for p in due])
            self.ticks += len(due)
        return len(due)

    async def _sleep(self) -> None:
        schedule = self._schedule
        schedule.wakeup.clear()  # before reading the next instant: no update is missed
        delay = MAX_SLEEP_S
        if schedule.ready:
            idle = schedule.idle_partitions(clock=self._clock(), retick_s=self._retick_s)
            upcoming = schedule.next_instant(idle)
            if upcoming is not None:
                wait = (upcoming - self._now()).total_seconds()
                delay = min(delay, max(0.0, wait))
            if len(idle) < len(schedule.partitions):
                delay = min(delay, self._retick_s)  # a pending tick may need resending
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(schedule.wakeup.wait(), delay)


def _tick(partition: int, now: datetime) -> CloudEvent:
    body = sla.ExpireDue(at=now, partition=partition)
    return CloudEvent.of(body, source=SOURCE, subject=f"due-{partition}", time=now)
