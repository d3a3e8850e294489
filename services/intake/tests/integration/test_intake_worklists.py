"""Worklists, find the caller, unknown parameters and the agents' handling scope, against
the real Kafka and database: routing and SLA events are published on the real topics and
intake projects them (issue 17)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from closeloop_intake.adapters.complaint_queries import (
    SORTS,
    ComplaintFilter,
    complaint_query,
    decode_cursor,
    encode_cursor,
    index_hint,
    seek_branches,
)
from closeloop_intake.reindex import reindex
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.events import routing, sla
from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.producer import EventProducer

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


async def publish(producer: EventProducer, data: ComplaintEvent, source: str) -> None:
    await producer.publish(CloudEvent.of(data, source=source, subject=data.complaint_id))


async def create(intake: Any, **customer: str) -> str:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": customer or {"phone": "+8613900139000"},
        "description": "宽带断网三天",
        "received_by": "agent-007",
    }
    r = await intake.client.post("/v1/complaints", json=body, headers=intake.token(Role.admin))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 45
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


async def routed(intake: Any, producer: EventProducer, cid: str, dept: str, agent: str) -> None:
    assigned = routing.ComplaintAssigned(complaint_id=cid, at=NOW, department=dept, assignee=agent)
    await publish(producer, assigned, "/closeloop/routing")

    async def projected() -> bool:
        r = await intake.client.get(f"/v1/complaints/{cid}", headers=intake.token(Role.admin))
        return bool(r.json().get("assignee") == agent)

    await until(projected, f"{cid} assigned to {agent}")


def clock(cid: str, name: str, deadline: datetime, event: type[sla.ClockEvent]) -> sla.ClockEvent:
    common = {"complaint_id": cid, "clock": name, "policy_id": "p", "policy_version": 1}
    extra: dict[str, Any] = {"target": "PT4H"} if event is sla.ClockStarted else {}
    if event is sla.ClockBreached:
        extra = {"detected_at": deadline}
    if event is sla.ClockWarning:
        extra = {"threshold": 0.75}
    if event is sla.ClockMet:
        extra = {"working_seconds": 60.0, "late": True}
    return event(**common, at=NOW, deadline=deadline, **extra)


async def test_assignee_me_lists_only_mine_by_next_deadline(
    intake: Any, producer: EventProducer
) -> None:
    later, sooner, breached, theirs = [await create(intake) for _ in range(4)]
    for cid in (later, sooner, breached):
        await routed(intake, producer, cid, "billing", "agent-w1")
    await routed(intake, producer, theirs, "billing", "agent-w2")
    events = [
        clock(later, "resolution", NOW + timedelta(hours=3), sla.ClockStarted),
        clock(sooner, "resolution", NOW + timedelta(hours=5), sla.ClockStarted),
        clock(sooner, "first_response", NOW + timedelta(hours=1), sla.ClockStarted),
        clock(sooner, "first_response", NOW + timedelta(hours=1), sla.ClockWarning),
        clock(breached, "first_response", NOW - timedelta(minutes=10), sla.ClockStarted),
        clock(breached, "first_response", NOW - timedelta(minutes=10), sla.ClockBreached),
        clock(theirs, "resolution", NOW - timedelta(hours=1), sla.ClockStarted),
    ]
    for event in events:
        await publish(producer, event, "/closeloop/sla")
    me = intake.token(Role.agent, "agent-w1")

    async def page(**params: Any) -> dict[str, Any]:
        r = await intake.client.get("/v1/complaints", params=params, headers=me)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def all_projected() -> bool:
        items = (await page(assignee="me", sort="deadline"))["items"]
        return [i["clock_state"] for i in items] == ["breached", "warning", "running"]

    await until(all_projected, "the three clocks projected")
    rows = (await page(assignee="me", sort="deadline"))["items"]
    assert [r["id"] for r in rows] == [breached, sooner, later]
    assert rows[1]["next_deadline"].startswith((NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H"))
    assert all(r["severity"] for r in rows)
    # The same order one row per page, through the cursor.
    seen, cursor = [], None
    while True:
        params = {"assignee": "agent-w1", "sort": "deadline", "limit": 1}
        got = await page(**params | ({"cursor": cursor} if cursor else {}))
        seen += [i["id"] for i in got["items"]]
        if not (cursor := got["next_cursor"]):
            break
    assert seen == [breached, sooner, later]
    assert [i["id"] for i in (await page(assignee="agent-w2"))["items"]] == [theirs]
    newest = [i["id"] for i in (await page(assignee="me"))["items"]]
    assert newest == [breached, sooner, later]  # default order: newest first
    met = clock(breached, "first_response", NOW - timedelta(minutes=10), sla.ClockMet)
    await publish(producer, met, "/closeloop/sla")

    async def met_moves_it_last() -> bool:
        items = (await page(assignee="me", sort="deadline"))["items"]
        return [i["id"] for i in items] == [sooner, later, breached]

    await until(met_moves_it_last, "a met clock no longer sets the deadline")


async def test_unknown_query_parameters_and_bad_sorts_are_422_naming_them(intake: Any) -> None:
    agent = intake.token(Role.agent, "agent-w1")
    r = await intake.client.get("/v1/complaints", params={"asignee": "me"}, headers=agent)
    assert r.status_code == 422 and [f["field"] for f in r.json()["fields"]] == ["asignee"]
    r = await intake.client.get("/v1/complaints", params={"sort": "colour"}, headers=agent)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "sort"


async def test_a_caller_is_found_by_a_phone_written_another_way(
    intake: Any, producer: EventProducer
) -> None:
    first = await create(intake, phone="+8613800138000", email="ZW@example.com", name="张伟")
    second = await create(intake, phone="138-0013-8000")
    other = await create(intake, phone="+8613800138001")
    await routed(intake, producer, first, "billing", "agent-x")
    await routed(intake, producer, second, "network", "agent-y")
    agent = intake.token(Role.agent, "agent-007")
    r = await intake.client.get("/v1/complaints", params={"phone": "138 0013 8000"}, headers=agent)
    assert r.status_code == 200, r.text
    found = r.json()
    assert {i["id"] for i in found["items"]} == {first, second}
    assert other not in r.text
    history = found["customer_history"]
    assert history["repeat_count"] == 2
    assert [c["id"] for c in history["last_complaints"]] == [second, first]
    by_mail = await intake.client.get(
        "/v1/complaints", params={"email": "zw@EXAMPLE.com", "name": "张伟"}, headers=agent
    )
    assert [i["id"] for i in by_mail.json()["items"]] == [first]

    # Department users see the history of their departments only (with pii:read).
    token = issue_dev_token(
        intake.settings, role=Role.department, departments=("network",), scopes=("pii:read",)
    )
    dept = {"Authorization": f"Bearer {token}"}
    r = await intake.client.get("/v1/complaints", params={"phone": "+8613800138000"}, headers=dept)
    assert r.json()["customer_history"]["repeat_count"] == 1
    assert [i["id"] for i in r.json()["items"]] == [second]
    masked = intake.token(Role.department, depts=("network",))
    r = await intake.client.get("/v1/complaints", params={"phone": "13800138000"}, headers=masked)
    assert r.status_code == 403

    # Contact data stays sealed: only the HMAC is stored next to the sealed customer.
    raw = await intake.runtime.db["complaints"].find_one({"_id": first})
    stored = str({k: v for k, v in raw.items() if k != "customer_sealed"})
    assert "13800138000" not in stored and "zw@example.com" not in stored.lower()
    assert set(raw["blind"]) == {"phone", "email", "name"}


async def test_agents_act_only_on_their_departments_own_or_received_complaints(
    intake: Any, producer: EventProducer
) -> None:
    cid = await create(intake)
    await routed(intake, producer, cid, "customer_service", "cs-1")
    url = f"/v1/complaints/{cid}/acknowledge"
    stranger = intake.token(Role.agent, "log-1", depts=("logistics",))
    r = await intake.client.post(url, json={}, headers=stranger)
    assert r.status_code == 403, r.text  # issue 17: it answered 200
    seen = await intake.client.get(f"/v1/complaints/{cid}", headers=stranger)
    assert seen.status_code == 200 and seen.json()["allowed_actions"] == []
    assert seen.json()["status"] == "received"
    receiver = intake.token(Role.agent, "agent-007")
    assert (await intake.client.post(url, json={}, headers=receiver)).status_code == 200
    colleague = intake.token(Role.agent, "cs-2", depts=("customer_service",))
    start = await intake.client.post(f"/v1/complaints/{cid}/start", json={}, headers=colleague)
    assert start.status_code == 200, start.text
    owner = intake.token(Role.agent, "cs-1")
    note = {"text": "called back"}
    assert (
        await intake.client.post(f"/v1/complaints/{cid}/notes", json=note, headers=owner)
    ).status_code == 200


def _index_scanned(plan: dict[str, Any]) -> str | None:
    """The index the winning plan scans (None for a collection scan)."""
    stage = plan["queryPlanner"]["winningPlan"]
    while stage:
        if stage.get("stage") == "IXSCAN":
            return str(stage["indexName"])
        if stage.get("stage") == "COLLSCAN":
            return None
        stage = stage.get("inputStage")
    return None


@pytest.mark.parametrize(
    ("flt", "sort", "index"),
    [
        ({"assignee": "agent-w1"}, "deadline", "assignee_1_due_at_1__id_1"),
        ({"assignee": "agent-w1"}, "severity", "assignee_1_severity_rank_1_due_at_1__id_1"),
        ({"department": "billing"}, "deadline", "department_1_due_at_1__id_1"),
        ({"department": "billing"}, "severity", "department_1_severity_rank_1_due_at_1__id_1"),
        ({}, "deadline", "due_at_1__id_1"),
        ({"assignee": "agent-w1"}, "-received_at", "assignee_1_received_at_-1__id_-1"),
        ({"blind": (("phone", "0" * 64),)}, "-received_at", "blind.phone_1_received_at_-1__id_-1"),
    ],
)
@pytest.mark.parametrize("paged", [False, True])
async def test_worklist_and_caller_queries_seek_an_index(
    intake: Any, flt: dict[str, Any], sort: str, index: str, paged: bool
) -> None:
    position = {"due_at": NOW, "received_at": NOW, "severity_rank": 1, "_id": "CMP-1"}
    after = decode_cursor(encode_cursor(position, sort), sort) if paged else None
    chosen = ComplaintFilter(**flt)
    hint = index_hint(chosen, sort)
    for branch in seek_branches(SORTS[sort], after) if after else [{}]:
        query = intake.runtime.db["complaints"].find(complaint_query(chosen, branch))
        query = query.sort(list(SORTS[sort])).limit(50)
        plan = await (query.hint(hint) if hint else query).explain()
        assert _index_scanned(plan) == index, branch


async def test_the_reindex_command_makes_older_complaints_findable(intake: Any) -> None:
    cid = await create(intake, phone="+8613700137999")
    old = {"blind": "", "severity_rank": "", "due_at": "", "next_deadline": "", "clock_state": ""}
    await intake.runtime.db["complaints"].update_one({"_id": cid}, {"$unset": old})
    agent = intake.token(Role.agent, "agent-007")

    async def found() -> list[str]:
        r = await intake.client.get(
            "/v1/complaints", params={"phone": "137 0013 7999"}, headers=agent
        )
        return [i["id"] for i in r.json()["items"]]

    assert await found() == []  # registered "before" the blind indexes
    assert await reindex(intake.settings) >= 1
    assert await found() == [cid]
    doc = await intake.runtime.db["complaints"].find_one({"_id": cid})
    assert doc["due_at"].year == 9999 and doc["severity_rank"] >= 0
    assert await reindex(intake.settings) == 0  # nothing left to do
