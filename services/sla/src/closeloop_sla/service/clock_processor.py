"""Stream processing of one micro-batch of records (lifecycle, routing and feedback events,
expiry and reapply commands) against the clock table.

Order matters for "no breach lost, none invented":

1. every record is decoded and applied to its complaint's clock set *in memory* (a batch
   may touch one complaint several times; later records see earlier results);
2. every resulting event (and dead letter, and continuation command) is published and
   **acknowledged by the broker**;
3. only then are the changed rows written to the table (RocksDB + changelog), and the
   deadline index re-armed from what was written;
4. faust acknowledges the batch's records afterwards and commits their offsets after
   flushing the producer.

A crash before 3 re-derives the same events on redelivery, with the same deterministic ids;
a crash after 3 finds the alerts already recorded as fired. Redelivered input events are
recognised by their ``ce_id`` (kept per complaint) and change nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from closeloop_shared.events import sla
from closeloop_shared.events.envelope import CloudEvent, InvalidEvent, decode_event
from closeloop_shared.observability.metrics import CONSUMER_MESSAGES
from closeloop_sla.adapters.clock_codec import decode_row, encode_row
from closeloop_sla.adapters.clock_store import RowStore, RowWrite
from closeloop_sla.adapters.effect_events import SOURCE, coverage_event_of, event_of
from closeloop_sla.adapters.event_inputs import UnusableEvent, input_of
from closeloop_sla.adapters.outgoing import Outgoing
from closeloop_sla.domain.clock import ClockTransitionError
from closeloop_sla.domain.clock_coverage import CoverageGap, coverage_gaps
from closeloop_sla.domain.clock_effects import ClockEffect
from closeloop_sla.domain.clock_inputs import ClockInput, Expire, Reapply
from closeloop_sla.domain.clock_rules import apply_input
from closeloop_sla.domain.complaint_clocks import ComplaintClocks, next_due, open_states
from closeloop_sla.domain.deadline_index import DeadlineKey, to_micros
from closeloop_sla.domain.policy_library import PolicyLibrary
from closeloop_sla.service.coverage_alerts import report_gaps
from closeloop_sla.service.deadline_schedule import DeadlineSchedule
from closeloop_sla.service.effect_metrics import count_effects

log = logging.getLogger(__name__)
GROUP = "sla-clocks"


class Publisher(Protocol):
    """Sends a batch's output and returns once the broker acknowledged all of it."""

    async def publish(self, out: Outgoing) -> None: ...


@dataclass
class _Row:
    partition: int
    old: ComplaintClocks | None
    state: ComplaintClocks | None
    dirty: bool = False


@dataclass
class _Batch:
    now: datetime
    rows: dict[str, _Row] = field(default_factory=dict)
    out: Outgoing = field(default_factory=Outgoing)
    effects: list[tuple[ClockEffect, ComplaintClocks]] = field(default_factory=list)
    popped: list[tuple[int, list[tuple[int, DeadlineKey]]]] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)


class ClockProcessor:
    """Applies record batches to the clock table."""

    def __init__(
        self,
        store: RowStore,
        library: PolicyLibrary,
        schedule: DeadlineSchedule,
        publisher: Publisher,
        *,
        reapply_chunk: int = 1000,
        due_per_tick: int = 2000,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._library = library
        self._schedule = schedule
        self._publisher = publisher
        self._chunk = reapply_chunk
        self._due_per_tick = due_per_tick
        self._now = now

    async def process(self, events: Sequence[Any]) -> None:
        """Apply, publish, then write (see the module docstring)."""
        batch = _Batch(now=self._now())
        for event in events:
            self._handle(event, batch)
        try:
            await self._publisher.publish(batch.out)
        except BaseException:
            for partition, entries in batch.popped:  # nothing was written: re-arm them
                self._schedule.restore(partition, entries)
            raise
        await self._write(batch.rows)
        for partition, _ in batch.popped:
            self._schedule.tick_done(partition)
        count_effects(batch.effects)
        report_gaps(batch.gaps)
        _count_messages(events, batch.out.dead)

    def _handle(self, event: Any, batch: _Batch) -> None:
        message = event.message
        try:
            cloud = decode_event(message.value, message.headers)
            data = cloud.data
            if isinstance(data, sla.ExpireDue):
                self._expire_due(event, batch)
                return
            if isinstance(data, sla.ReapplyPolicies):
                self._reapply(event, data, batch)
                return
            given = Expire(batch.now) if isinstance(data, sla.ExpireClock) else input_of(data)
        except (InvalidEvent, UnusableEvent) as exc:
            batch.out.dead.append((event, exc))
            return
        if given is None:
            return  # an event that does not concern clocks
        complaint_id = cloud.subject or str(getattr(data, "complaint_id", ""))
        row = self._row(batch, event, complaint_id)
        once = not isinstance(given, Expire)  # expiries are idempotent by themselves
        if once and row.state is not None and row.state.has_applied(cloud.id):
            row.dirty = True  # rewrite: the changelog may lack what the local store has
            return
        try:
            self._apply(row, complaint_id, given, cloud.id, batch)
        except KeyError as exc:  # a calendar or policy version nobody stored
            batch.out.dead.append((event, exc))
            return
        if once and row.state is not None:
            row.state = row.state.remember(cloud.id)
            row.dirty = True

    def _row(self, batch: _Batch, event: Any, complaint_id: str) -> _Row:
        row = batch.rows.get(complaint_id)
        if row is None:
            partition = event.message.partition
            raw = self._store.get(partition, complaint_id)
            state = decode_row(raw) if raw is not None else None
            row = _Row(partition, state, state)
            batch.rows[complaint_id] = row
        return row

    def _apply(
        self, row: _Row, complaint_id: str, given: ClockInput, cause: str, batch: _Batch
    ) -> None:
        try:
            new, effects = apply_input(row.state, complaint_id, given, self._library)
        except (ClockTransitionError, ValueError) as exc:  # e.g. extending a stopped clock
            log.warning("input ignored", extra={"input": type(given).__name__, "reason": str(exc)})
            return
        if new is None or (new == row.state and not effects):
            return
        events = [event_of(effect, new, cause_id=cause, now=batch.now) for effect in effects]
        gaps = coverage_gaps(effects, new, self._library.calendar)
        events += [coverage_event_of(g, new, cause_id=cause, now=batch.now) for g in gaps]
        row.state, row.dirty = new, True
        batch.out.events.extend(events)
        batch.gaps.extend(gaps)
        batch.effects.extend((effect, new) for effect in effects)

    def _expire_due(self, event: Any, batch: _Batch) -> None:
        """A timer tick for the event's partition: fire what is due there now (the index
        entries are taken here, inside stream processing, and re-armed from the rows)."""
        partition = event.message.partition
        entries = self._schedule.pop_partition_due(partition, batch.now, self._due_per_tick)
        batch.popped.append((partition, entries))
        for complaint_id in dict.fromkeys(key[0] for _, key in entries):
            row = self._row(batch, event, complaint_id)
            try:
                self._apply(row, complaint_id, Expire(batch.now), "expire", batch)
            except KeyError as exc:  # a calendar version nobody stored: report, go on
                log.error("clock cannot be evaluated", extra={"error": str(exc)})

    def _reapply(self, event: Any, command: sla.ReapplyPolicies, batch: _Batch) -> None:
        """One chunk of a partition's rows onto the current policies; the rest follows in
        a continuation command, so expiries keep flowing in between."""
        partition = event.message.partition
        cause = f"reapply/{command.policy_revision}/{command.calendar_revision}"
        last: str | None = None
        done = 0
        for complaint_id, raw in self._store.rows(partition, after=command.after):
            row = batch.rows.get(complaint_id)
            if row is None:
                state = decode_row(raw)
                row = batch.rows[complaint_id] = _Row(partition, state, state)
            self._apply(row, complaint_id, Reapply(batch.now), cause, batch)
            done, last = done + 1, complaint_id
            if done >= self._chunk:
                follow = command.model_copy(update={"after": last})
                again = CloudEvent.of(follow, source=SOURCE, subject=f"reapply-{partition}")
                batch.out.commands.append((partition, again))
                break

    async def _write(self, rows: dict[str, _Row]) -> None:
        calendar = self._library.calendar
        writes: list[RowWrite] = []
        armed: list[tuple[int, str, list[tuple[int, str]], list[str], list[str], set[str]]] = []
        for complaint_id, row in rows.items():
            state = row.state
            if state is None:
                continue
            due = [
                (to_micros(item.instant), clock.kind.value)
                for clock, item in next_due(state, calendar)
            ]
            states = open_states(state)
            if row.dirty:
                writes.append((row.partition, complaint_id, encode_row(state, due, states)))
            old = open_states(row.old) if row.old is not None else []
            kinds = {c.kind.value for c in state.clocks}  # a row only ever gains clocks
            armed.append((row.partition, complaint_id, due, old, states, kinds))
        await self._store.write(writes)
        for entry in armed:  # the index follows what was written
            self._schedule.update(*entry)
        self._schedule.publish_gauges()


def _count_messages(events: Sequence[Any], dead: list[tuple[Any, BaseException]]) -> None:
    """``closeloop_consumer_messages_total`` for a batch (one increment per topic and
    outcome: a label lookup per record costs more than the rest of the bookkeeping)."""
    dead_ids = {id(event) for event, _ in dead}
    counts: Counter[tuple[str, str]] = Counter(
        (event.message.topic, "dead_lettered" if id(event) in dead_ids else "ok")
        for event in events
    )
    for (topic, outcome), n in counts.items():
        CONSUMER_MESSAGES.labels(GROUP, topic, outcome).inc(n)
