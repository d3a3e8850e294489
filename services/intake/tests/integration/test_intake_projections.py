"""Intake consumes routing, SLA and feedback events from the real Kafka: it projects them
onto the complaint, scopes department users by the projected department, keeps the
first-contact owner across transfers and reopens on a dissatisfied survey, once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from closeloop_shared.auth import Role
from closeloop_shared.events import feedback, routing, sla
from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


async def create(intake: Any) -> str:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"phone": f"+86136{random.randrange(10**8):08d}"},
        "description": "宽带断网三天",
        "received_by": "agent-007",
    }
    r = await intake.client.post("/v1/complaints", json=body, headers=intake.token(Role.agent))
    assert r.status_code == 201
    return str(r.json()["id"])


async def publish(
    producer: EventProducer, data: ComplaintEvent, source: str, **kw: Any
) -> CloudEvent:
    event = CloudEvent.of(data, source=source, subject=data.complaint_id, **kw)
    await producer.publish(event)
    return event


async def eventually(
    read: Callable[[], Awaitable[dict[str, Any]]], check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        value = await read()
        if check(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


def reader(intake: Any, cid: str, path: str = "") -> Callable[[], Awaitable[dict[str, Any]]]:
    async def read() -> dict[str, Any]:
        r = await intake.client.get(f"/v1/complaints/{cid}{path}", headers=intake.token(Role.admin))
        return dict(r.json())

    return read


async def test_routing_sets_the_department_and_scopes_department_users(
    intake: Any, producer: EventProducer, kafka_records: Any
) -> None:
    cid = await create(intake)
    routed = routing.ComplaintRouted(
        complaint_id=cid, at=NOW, department="network", rule_set_version=1, reason="keyword"
    )
    await publish(producer, routed, "/closeloop/routing")
    view = await eventually(reader(intake, cid), lambda v: v.get("department") == "network")
    assert view["department"] == "network" and view["version"] == 2

    own = intake.token(Role.department, depts=("network",))
    other = intake.token(Role.department, depts=("billing",))
    assert (await intake.client.get(f"/v1/complaints/{cid}", headers=own)).status_code == 200
    assert (await intake.client.get(f"/v1/complaints/{cid}", headers=other)).status_code == 404
    timeline = await intake.client.get(f"/v1/complaints/{cid}/timeline", headers=other)
    assert timeline.status_code == 404
    listed = await intake.client.get("/v1/complaints", params={"q": cid}, headers=other)
    assert listed.json()["items"] == []
    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name], key=cid, until=lambda rs: len(rs) >= 2
    )
    assert (
        dict(records[-1].headers)["ce_type"] == b"closeloop.intake.complaint.department_changed.v1"
    )

    transfer = routing.ComplaintTransferred(
        complaint_id=cid, at=NOW, from_department="network", to_department="field",
        reason="needs a technician", by="sup-1",
    )  # fmt: skip
    await publish(producer, transfer, "/closeloop/routing")
    view = await eventually(reader(intake, cid), lambda v: v.get("department") == "field")
    assert view["department"] == "field"
    assert view["first_contact_owner"] == "agent-007"
    assert (await intake.client.get(f"/v1/complaints/{cid}", headers=own)).status_code == 404


async def test_sla_clocks_are_projected_per_clock(intake: Any, producer: EventProducer) -> None:
    cid = await create(intake)
    deadline = NOW + timedelta(hours=1)
    common = {"complaint_id": cid, "clock": "first_response", "policy_id": "p", "policy_version": 1}
    await publish(
        producer, sla.ClockStarted(**common, at=NOW, deadline=deadline, target="PT1H"), "/sla"
    )
    breached = sla.ClockBreached(**common, at=NOW, deadline=deadline, detected_at=NOW)
    await publish(producer, breached, "/sla")
    view = await eventually(
        reader(intake, cid), lambda v: v["sla"].get("first_response", {}).get("state") == "breached"
    )
    assert view["sla"]["first_response"]["state"] == "breached"
    assert view["version"] == 1  # projections do not change the aggregate's version


async def test_a_dissatisfied_customer_reopens_the_complaint_exactly_once(
    intake: Any, producer: EventProducer, kafka_records: Any
) -> None:
    cid = await create(intake)
    agent = intake.token(Role.agent, "agent-007")  # the receiver may act on it
    for action, body in [("acknowledge", {}), ("resolve", {"outcome": "rejected", "basis": "ok"})]:
        r = await intake.client.post(f"/v1/complaints/{cid}/{action}", json=body, headers=agent)
        assert r.status_code == 200
    unhappy = feedback.CustomerDissatisfied(
        complaint_id=cid, at=NOW, survey_id="s1", score=1, solved=False
    )
    event = await publish(producer, unhappy, "/closeloop/feedback")
    await producer.publish(event)  # a redelivery: same ce_id
    view = await eventually(reader(intake, cid), lambda v: v["status"] == "in_progress")
    assert (view["status"], view["reopened_count"]) == ("in_progress", 1)

    again = await publish(producer, unhappy, "/closeloop/feedback")  # new id, not reopenable
    timeline = await eventually(
        reader(intake, cid, "/timeline"),
        lambda t: any(e["id"] == again.id for e in t["entries"]),
    )
    [skipped] = [e for e in timeline["entries"] if e["id"] == again.id]
    assert skipped["details"]["outcome"].startswith("not reopened")
    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name], key=cid, until=lambda rs: len(rs) >= 4
    )
    changes = [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in records]
    assert changes == ["received", "acknowledged", "resolved", "reopened"]
    final = await reader(intake, cid)()
    assert final["status"] == "in_progress" and final["version"] == 4
