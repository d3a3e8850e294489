"""Breach detection end to end, against the real broker and the real worker process, with
policies of a few seconds (24×7 first-response clocks)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from closeloop_shared.events import intake, sla

from .conftest import SlaUnderTest, change, of_type, quick_policy, received

pytestmark = pytest.mark.integration
TARGET = timedelta(seconds=2)


def new_id(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def quick(sla_worker: SlaUnderTest) -> SlaUnderTest:
    """The module's worker with policy ``quick``: first response within 2 s, no warnings."""
    reply = await sla_worker.add_policies(quick_policy("quick", "PT2S"))
    assert reply.status_code == 200, reply.text
    return sla_worker


def breach_of(found: list[Any], cid: str) -> list[sla.ClockBreached]:
    bodies = [e.data for e, _ in of_type(found, "breached.v1") if e.subject == cid]
    return [b for b in bodies if isinstance(b, sla.ClockBreached)]


async def until_now_passes(instant: datetime) -> None:
    """Let real time reach ``instant`` (the test needs a real pause between events)."""
    await asyncio.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()))


async def test_a_breach_arrives_after_the_deadline_and_never_before(
    quick: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    cid = new_id("late")
    start = datetime.now(UTC)
    deadline = start + TARGET
    await publish(received(cid, start, "quick"))
    while datetime.now(UTC) < deadline - timedelta(milliseconds=300):
        assert breach_of(await clock_events({cid}, limit_s=0), cid) == []  # not yet: never early
    found = await clock_events({cid}, until=lambda f: breach_of(f, cid))
    [breach] = breach_of(found, cid)
    [(_, record)] = [(e, r) for e, r in of_type(found, "breached.v1")]
    assert breach.deadline == deadline
    assert breach.detected_at >= deadline
    assert record.timestamp >= int(deadline.timestamp() * 1000)  # published after it, too
    assert next(e.type for e, _ in found) == "closeloop.sla.clock.started.v1"


async def test_pausing_for_n_seconds_moves_the_breach_by_n_seconds(
    quick: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    paused_cid, control_cid = new_id("paused"), new_id("control")
    start = datetime.now(UTC)
    await publish(received(paused_cid, start, "quick"))
    await publish(received(control_cid, start, "quick"))
    await until_now_passes(start + timedelta(milliseconds=500))
    pause_at = datetime.now(UTC)
    await publish(change(intake.ComplaintAwaitingCustomer, paused_cid, pause_at))
    await until_now_passes(pause_at + timedelta(seconds=2))
    resume_at = datetime.now(UTC)
    await publish(change(intake.ComplaintResumed, paused_cid, resume_at))
    found = await clock_events(
        {paused_cid, control_cid},
        until=lambda f: breach_of(f, paused_cid) and breach_of(f, control_cid),
    )
    [paused], [control] = breach_of(found, paused_cid), breach_of(found, control_cid)
    assert control.deadline == start + TARGET
    assert paused.deadline is not None and control.deadline is not None
    assert paused.deadline - control.deadline == resume_at - pause_at
    assert paused.detected_at >= paused.deadline


async def test_a_clock_met_before_its_deadline_never_breaches(
    quick: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    met_cid, barrier_cid = new_id("met"), new_id("barrier")
    start = datetime.now(UTC)
    await publish(received(met_cid, start, "quick"))
    await publish(change(intake.ComplaintAcknowledged, met_cid, start + timedelta(seconds=1)))
    await until_now_passes(start + timedelta(milliseconds=500))
    await publish(received(barrier_cid, datetime.now(UTC), "quick"))  # breaches after met's
    found = await clock_events({met_cid, barrier_cid}, until=lambda f: breach_of(f, barrier_cid))
    assert breach_of(found, barrier_cid)
    assert breach_of(found, met_cid) == []
    [met] = [e.data for e, _ in of_type(found, "met.v1") if e.subject == met_cid]
    assert isinstance(met, sla.ClockMet) and met.late is False and met.working_seconds == 1.0


async def test_redelivered_input_gives_one_breach(
    quick: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    cid = new_id("again")
    start = datetime.now(UTC)
    receipt = await publish(received(cid, start, "quick"))
    pause = await publish(change(intake.ComplaintAwaitingCustomer, cid, start))
    resume = await publish(change(intake.ComplaintResumed, cid, start))
    for event in (receipt, pause, resume, receipt, pause, resume):  # the same ce_ids again
        await publish(event)
    barrier = new_id("barrier")
    await publish(received(barrier, datetime.now(UTC), "quick"))
    found = await clock_events({cid, barrier}, until=lambda f: breach_of(f, barrier))
    mine = [(e, r) for e, r in found if e.subject == cid]
    assert len(of_type(mine, "breached.v1")) == 1
    assert len(of_type(mine, "started.v1")) == 1
    assert len(of_type(mine, "paused.v1")) == 1
    assert len(of_type(mine, "resumed.v1")) == 1


async def test_an_extension_moves_the_deadline_and_records_its_reason(
    quick: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    cid = new_id("extended")
    start = datetime.now(UTC)
    await publish(received(cid, start, "quick"))
    extension = change(
        intake.ComplaintExtended,
        cid,
        start,
        clock="first_response",
        extend_by="PT1S",
        reason="customer asked for time",
        customer_consented=True,
    )
    await publish(extension)
    found = await clock_events({cid}, until=lambda f: breach_of(f, cid))
    [breach] = breach_of(found, cid)
    assert breach.deadline == start + TARGET + timedelta(seconds=1)
    [(event, _)] = of_type([(e, r) for e, r in found if e.subject == cid], "extended.v1")
    assert isinstance(event.data, sla.ClockExtended)
    assert event.data.reason == "customer asked for time" and event.data.added_seconds == 1.0
    async with quick.client() as client:
        clocks = (await client.get(f"/v1/sla/complaints/{cid}")).json()["clocks"]
    [clock] = clocks
    assert clock["state"] == "breached"
    assert clock["extensions"][0]["reason"] == "customer asked for time"
