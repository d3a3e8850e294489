"""Taking and assigning complaints by hand over HTTP, against the real database and
broker: two agents racing for one queued complaint get one 200 and one 409 and the
complaint counts in one agent's load; a supervisor's over-capacity assignment needs a
reason, which is recorded; both publish ``assigned`` like automatic assignment and are
idempotent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from closeloop_routing.service.received import on_complaint_received
from closeloop_routing.testing import (
    RoutingUnderTest,
    complaint_received,
    route_everything_to,
    settings_for,
    start_routing,
    until,
)
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.events.common import ActedBy

pytestmark = pytest.mark.integration
DESK = ["desk-agent-1", "desk-agent-2", "desk-agent-3"]


@pytest.fixture
async def routing(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[RoutingUnderTest]:
    """Routing without the periodic queue sweep, so queued complaints stay queued until
    somebody takes them; one department ``desk`` whose agents start with no capacity."""
    settings = settings_for(
        kafka_bootstrap, mongo_uri, unique_name("")[-28:], routing_queue_sweep_s=3600.0
    )
    async for running in start_routing(settings):
        await route_everything_to(running.ctx, "desk", DESK, capacity=0)
        yield running


@pytest.fixture
async def http(routing: RoutingUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=routing.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://routing") as client:
        yield client


def _auth(
    routing: RoutingUnderTest, role: Role, sub: str, departments: tuple[str, ...] = ()
) -> dict[str, str]:
    token = issue_dev_token(routing.ctx.settings, role=role, sub=sub, departments=departments)
    return {"Authorization": f"Bearer {token}"}


async def _queued(routing: RoutingUnderTest) -> str:
    event = complaint_received()
    await on_complaint_received(routing.ctx, event)
    record = await routing.ctx.complaints.get(event.subject)
    assert record is not None and record.placement.value == "queued"
    return event.subject


async def _loads(routing: RoutingUnderTest) -> dict[str, int]:
    return {a.id: a.open_count for a in await routing.ctx.agents.list("desk")}


async def test_two_agents_racing_for_a_queued_complaint_get_one_200_and_one_409(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    first, second = (_auth(routing, Role.agent, sub) for sub in DESK[:2])
    complaints: list[str] = []
    winners: dict[str, str] = {}
    for _ in range(8):
        # One queued complaint at a time, then one free slot each: nothing else in the
        # queue for a drain to hand out, so both requests really race for this one.
        loads = await _loads(routing)
        for agent in DESK[:2]:
            await routing.ctx.agents.update(agent, {"capacity": loads[agent]})
        cid = await _queued(routing)
        complaints.append(cid)
        for agent in DESK[:2]:
            await routing.ctx.agents.update(agent, {"capacity": loads[agent] + 1})
        a, b = await asyncio.gather(
            http.post(f"/v1/complaints/{cid}/take", headers=first),
            http.post(f"/v1/complaints/{cid}/take", headers=second),
        )
        assert sorted([a.status_code, b.status_code]) == [200, 409], (a.text, b.text)
        won = a if a.status_code == 200 else b
        winners[cid] = won.json()["assignee"]
        record = await routing.ctx.complaints.get(cid)
        assert record is not None and record.ownership.assignee == winners[cid]

    loads = await _loads(routing)
    assert loads[DESK[0]] + loads[DESK[1]] == len(complaints)
    for agent in DESK[:2]:
        assert loads[agent] == list(winners.values()).count(agent)
    # Taking again what one holds is idempotent: 200, no new event, no second slot.
    cid = complaints[0]
    owner = _auth(routing, Role.agent, winners[cid])
    again = await http.post(f"/v1/complaints/{cid}/take", headers=owner)
    assert again.status_code == 200 and again.json()["assignee"] == winners[cid]
    assert await _loads(routing) == loads
    await until(lambda: _published(routing, complaints))
    for cid in complaints:
        [assigned] = routing.watcher.data(cid, "assigned")
        assert (assigned.assignee, assigned.department) == (winners[cid], "desk")
        assert assigned.acted_by == ActedBy(subject=winners[cid], role="agent")


async def _published(routing: RoutingUnderTest, complaints: list[str]) -> bool:
    return all(routing.watcher.data(cid, "assigned") for cid in complaints)


async def test_taking_is_refused_beyond_capacity_and_outside_ones_departments(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    cid = await _queued(routing)
    full = await http.post(
        f"/v1/complaints/{cid}/take", headers=_auth(routing, Role.agent, DESK[0])
    )
    assert full.status_code == 409 and "capacity (0 of 0)" in _message(full)
    stranger = await http.post(
        f"/v1/complaints/{cid}/take", headers=_auth(routing, Role.agent, "billing-agent-1")
    )
    assert stranger.status_code == 403
    unknown = await http.post(
        "/v1/complaints/nope/take", headers=_auth(routing, Role.agent, DESK[0])
    )
    assert unknown.status_code == 404
    assert sum((await _loads(routing)).values()) == 0


async def test_a_supervisor_assigns_over_capacity_only_with_a_reason_which_is_recorded(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    cid = await _queued(routing)
    url = f"/v1/complaints/{cid}/assign"
    supervisor = _auth(routing, Role.supervisor, "desk-sup", ("desk",))

    bare = await http.post(url, json={"agent": DESK[0]}, headers=supervisor)
    assert bare.status_code == 422
    [problem] = bare.json()["fields"]
    assert problem["field"] == "reason" and "capacity (0 of 0)" in problem["problem"]
    stranger = await http.post(url, json={"agent": "billing-agent-1"}, headers=supervisor)
    assert stranger.status_code == 422 and stranger.json()["fields"][0]["field"] == "agent"
    other = _auth(routing, Role.supervisor, "billing-sup", ("billing",))
    assert (await http.post(url, json={"agent": DESK[0]}, headers=other)).status_code == 403
    agent = _auth(routing, Role.agent, DESK[0])
    assert (await http.post(url, json={"agent": DESK[0]}, headers=agent)).status_code == 403

    body = {"agent": DESK[0], "reason": "VIP 客户指定"}
    done = await http.post(url, json=body, headers=supervisor)
    assert done.status_code == 200, done.text
    assert done.json()["assignee"] == DESK[0] and done.json()["placement"] == "assigned"
    [recorded] = done.json()["assignments"]
    assert recorded["reason"] == "VIP 客户指定" and recorded["over_capacity"] is True
    assert recorded["by"] == "desk-sup"
    again = await http.post(url, json=body, headers=supervisor)
    assert again.status_code == 200 and len(again.json()["assignments"]) == 1

    await routing.ctx.agents.update(DESK[1], {"capacity": 5})
    moved = await http.post(url, json={"agent": DESK[1]}, headers=supervisor)
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignments"][-1]["previous_assignee"] == DESK[0]
    assert moved.json()["assignments"][-1]["over_capacity"] is False
    loads = await _loads(routing)
    assert (loads[DESK[0]], loads[DESK[1]]) == (0, 1)
    await until(lambda: _assigned_twice(routing, cid))
    assigned = routing.watcher.data(cid, "assigned")
    assert [a.assignee for a in assigned] == DESK[:2]
    # Who acted: the supervisor, in that role; routing's own decisions name routing.
    assert {a.acted_by for a in assigned} == {ActedBy(subject="desk-sup", role="supervisor")}
    [queued] = routing.watcher.data(cid, "queued")
    assert queued.acted_by == ActedBy(subject="system:routing", role="system")


async def _assigned_twice(routing: RoutingUnderTest, cid: str) -> bool:
    return len(routing.watcher.data(cid, "assigned")) >= 2


def _message(response: httpx.Response) -> str:
    body = response.json()
    return str(body.get("message") or body.get("detail"))
