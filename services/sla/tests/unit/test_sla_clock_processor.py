"""Stream processing of record batches against the clock table (fakes, no broker):
events are published before rows are written, redelivery changes nothing, expiries fire
once, bad records are dead-lettered, reapply walks a partition in chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sla_support import (
    FakeEvent,
    FakeMessage,
    FakeStore,
    RecordingPublisher,
    expire,
    quick_library,
    received,
    record,
    tick,
)

from closeloop_shared.events import intake, sla
from closeloop_sla.adapters.clock_codec import decode_header, decode_row
from closeloop_sla.domain.clock import ClockPhase
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.deadline_index import to_micros
from closeloop_sla.service.clock_processor import ClockProcessor
from closeloop_sla.service.deadline_schedule import DeadlineSchedule
from closeloop_sla.service.deadline_timer import DeadlineTimer
from closeloop_sla.service.index_rebuild import rebuild_partition

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Clockwork:
    """A processor whose "now" the test sets."""

    def __init__(self, target: str = "PT10S", chunk: int = 1000) -> None:
        self.now = T0
        self.library = quick_library(target)
        self.store = FakeStore()
        self.publisher = RecordingPublisher(self.store)
        self.schedule = DeadlineSchedule()
        self.processor = ClockProcessor(
            self.store,
            self.library,
            self.schedule,
            self.publisher,
            reapply_chunk=chunk,
            now=lambda: self.now,
        )

    async def feed(self, *events: FakeEvent, at: datetime | None = None) -> None:
        self.now = at or self.now
        await self.processor.process(list(events))


async def test_events_are_published_before_their_rows_are_written() -> None:
    work = Clockwork()
    await work.feed(received("c-1", T0))
    assert [e.type for e in work.publisher.events()] == ["closeloop.sla.clock.started.v1"]
    assert work.publisher.table_at_publish[0] == {}  # nothing written when published
    state = decode_row(work.store.rows_by_key[(0, "c-1")])
    assert state.policy_id == "quick"


async def test_a_failed_publish_writes_nothing() -> None:
    work = Clockwork()
    work.publisher.fail = True
    with pytest.raises(ConnectionError):
        await work.feed(received("c-1", T0))
    assert work.store.rows_by_key == {}


async def test_an_expiry_fires_the_breach_once_never_early_and_rearms_the_index() -> None:
    work = Clockwork()
    await work.feed(received("c-1", T0))
    assert work.schedule.next_instant() == after(10)
    await work.feed(expire("c-1", after(9)), at=after(9.9))
    assert work.publisher.events("breached.v1") == []
    assert work.schedule.next_instant() == after(10)  # a stale expiry re-arms the index
    await work.feed(expire("c-1", after(10)), at=after(10.2))
    await work.feed(expire("c-1", after(10)), at=after(10.4))  # redelivered command
    breaches = work.publisher.events("breached.v1")
    assert len(breaches) == 1
    body = breaches[0].data
    assert isinstance(body, sla.ClockBreached)
    assert body.deadline == after(10) and body.detected_at == after(10.2)
    assert work.schedule.next_instant() is None


async def test_a_redelivered_input_changes_nothing_and_publishes_nothing() -> None:
    work = Clockwork()
    first = received("c-1", T0, event_id="evt-1")
    await work.feed(first)
    before = work.store.rows_by_key[(0, "c-1")]
    reopen = intake.ComplaintAwaitingCustomer(
        complaint_id="c-1", at=after(2), version=2, actor="a", status="awaiting_customer"
    )
    pause = record(reopen, subject="c-1", topic="complaints.lifecycle.v1", event_id="evt-2")
    await work.feed(pause, at=after(2))
    published = len(work.publisher.events())
    await work.feed(first, pause, at=after(3))
    assert len(work.publisher.events()) == published
    state = decode_row(work.store.rows_by_key[(0, "c-1")])
    clock = state.clock(ClockKind.FIRST_RESPONSE)
    assert clock is not None and clock.phase is ClockPhase.PAUSED
    assert before != work.store.rows_by_key[(0, "c-1")]


async def test_the_same_breach_gets_the_same_event_id_however_it_is_derived() -> None:
    one, two = Clockwork(), Clockwork()
    for work in (one, two):
        await work.feed(received("c-1", T0))
    await one.feed(expire("c-1", after(10)), at=after(10.1))
    await two.feed(expire("c-1", after(10)), at=after(15))  # e.g. after a crash, later
    assert one.publisher.events("breached.v1")[0].id == two.publisher.events("breached.v1")[0].id


async def test_undecodable_and_unusable_records_are_dead_lettered() -> None:
    work = Clockwork()
    garbage = FakeEvent(FakeMessage(b"{", [("ce_id", b"x")], 0, "complaints.lifecycle.v1", 7, b"k"))
    extension = intake.ComplaintExtended(
        complaint_id="c-1",
        at=T0,
        version=3,
        actor="a",
        status="in_progress",
        clock="moon",
        extend_by="PT1H",
        reason="why",
        customer_consented=True,
    )
    bad = record(extension, subject="c-1", topic="complaints.lifecycle.v1")
    await work.feed(garbage, bad, received("c-2", T0))
    dead = work.publisher.batches[0].dead
    assert [event for event, _ in dead] == [garbage, bad]
    assert (0, "c-2") in work.store.rows_by_key  # the good record in the batch went through


async def test_events_for_unknown_complaints_and_other_types_are_ignored() -> None:
    work = Clockwork()
    ack = intake.ComplaintAcknowledged(
        complaint_id="c-9", at=T0, version=2, actor="a", status="acknowledged"
    )
    note = intake.NoteAdded(complaint_id="c-9", at=T0, version=3, actor="a", status="received")
    await work.feed(
        record(ack, subject="c-9", topic="complaints.lifecycle.v1"),
        record(note, subject="c-9", topic="complaints.lifecycle.v1"),
    )
    assert work.store.rows_by_key == {}
    assert all(not (b.events or b.dead or b.commands) for b in work.publisher.batches)


async def test_reapply_walks_a_partition_in_chunks_and_continues_by_command() -> None:
    work = Clockwork(chunk=2)
    await work.feed(*(received(f"c-{n}", T0) for n in range(5)))
    longer = replace(quick_library("PT20S").current_policies[-1], version=2)
    work.library.install_policies((*work.library.current_policies[:-1], longer), current=True)
    command = sla.ReapplyPolicies(
        at=after(1), partition=0, requested_by="admin", policy_revision=1, calendar_revision=0
    )
    await work.feed(record(command, subject="reapply-0", topic="sla.commands.v1"), at=after(1))
    follow = work.publisher.batches[-1].commands
    assert [(p, getattr(e.data, "after", None)) for p, e in follow] == [(0, "c-1")]
    assert len(work.publisher.events("retargeted.v1")) == 2


async def test_the_index_is_rebuilt_from_row_headers() -> None:
    work = Clockwork()
    await work.feed(*(received(f"c-{n}", after(n)) for n in range(3)))
    fresh = DeadlineSchedule()
    assert await rebuild_partition(work.store, fresh, 0) == 3
    assert fresh.next_instant() == after(10)
    assert len(fresh) == 3
    due, states = decode_header(work.store.rows_by_key[(0, "c-2")])
    assert due[0][1] == "first_response" and states == ["running"]


async def test_a_timer_tick_fires_what_is_due_in_its_partition_and_releases_the_timer() -> None:
    work = Clockwork()
    await work.feed(*(received(f"c-{n}", after(n)) for n in range(3)))
    work.schedule.ready = True
    work.schedule.mark_ticked(0, clock=0.0)
    await work.feed(tick(0, after(11.5)), at=after(11.5))
    fired = {e.subject for e in work.publisher.events("breached.v1")}
    assert fired == {"c-0", "c-1"}  # c-2 is due at 12 s: not yet
    assert work.schedule.next_instant() == after(12)
    assert work.schedule.due_partitions(after(12), clock=0.5, retick_s=1.0) == [0]


async def test_a_failed_tick_puts_its_deadlines_back() -> None:
    work = Clockwork()
    await work.feed(received("c-1", T0))
    work.publisher.fail = True
    with pytest.raises(ConnectionError):
        await work.feed(tick(0, after(10)), at=after(10))
    assert work.schedule.next_instant() == after(10)
    work.publisher.fail = False
    await work.feed(tick(0, after(10)), at=after(10))
    assert len(work.publisher.events("breached.v1")) == 1


async def test_the_timer_ticks_each_due_partition_once_until_released() -> None:
    schedule = DeadlineSchedule()
    schedule.update(0, "c-1", [(to_micros(after(1)), "first_response")])
    schedule.update(3, "c-2", [(to_micros(after(5)), "first_response")])
    schedule.ready = True
    sent: list[tuple[int, Any]] = []

    async def send(commands: Sequence[tuple[int, Any]]) -> None:
        sent.extend(commands)

    now = [after(0.5)]
    clock = [0.0]
    timer = DeadlineTimer(schedule, send, now=lambda: now[0], clock=lambda: clock[0])
    assert await timer.tick() == 0  # nothing due yet: never early
    now[0] = after(1)
    assert await timer.tick() == 1 and [p for p, _ in sent] == [0]
    assert await timer.tick() == 0  # one tick in flight per partition
    clock[0] = 1.5
    assert await timer.tick() == 1  # a tick lost for retick_s is sent again
    schedule.tick_done(0)
    now[0] = after(6)
    assert await timer.tick() == 2
    assert {getattr(e.data, "partition", None) for _, e in sent[-2:]} == {0, 3}
