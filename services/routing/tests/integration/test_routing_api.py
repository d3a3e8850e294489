"""The routing HTTP API in-process against the real database and broker: rule sets are
validated whole and rejected with reasons, departments and agents are managed, complaints
are transferred, and callers are authenticated and authorised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from closeloop_routing.testing import RoutingUnderTest, complaint_received, until
from closeloop_shared.auth import Role, issue_dev_token

pytestmark = pytest.mark.integration


@pytest.fixture
async def http(routing: RoutingUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=routing.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://routing") as client:
        yield client


def _auth(routing: RoutingUnderTest, role: Role, sub: str | None = None) -> dict[str, str]:
    token = issue_dev_token(routing.ctx.settings, role=role, sub=sub)
    return {"Authorization": f"Bearer {token}"}


def _problems(response: httpx.Response) -> dict[str, str]:
    return {f["field"]: f["problem"] for f in response.json()["fields"]}


async def test_a_bad_rule_set_is_rejected_naming_each_problem_and_the_old_one_stays(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    admin = _auth(routing, Role.admin)
    bad: dict[str, Any] = {
        "default_department": "nowhere",
        "rules": [
            {"id": "r1", "department": "billing", "match": {"regex": "扣(费"}},
            {"id": "r1", "department": "mars", "match": {"categorys": ["billing"]}},
        ],
    }
    response = await http.put("/v1/routing/rules", json=bad, headers=admin)
    assert response.status_code == 422
    problems = _problems(response)
    assert "unknown department 'nowhere'" in problems["default_department"]
    assert "invalid regular expression" in problems["rules[0] (id 'r1').match.regex"]
    assert problems["rules[1] (id 'r1').id"] == "duplicate rule id"
    assert "unknown department 'mars'" in problems["rules[1] (id 'r1').department"]
    assert "unknown field" in problems["rules[1] (id 'r1').match.categorys"]

    active = await http.get("/v1/routing/rules", headers=admin)
    assert active.status_code == 200 and active.json()["version"] == 1


async def test_a_new_rule_set_takes_effect_and_decisions_name_its_version(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    admin = _auth(routing, Role.admin)
    rules = {
        "default_department": "customer_service",
        "rules": [
            {
                "id": "vip",
                "order": 1,
                "department": "product_quality",
                "match": {"keywords_any": ["贵宾"], "channels": ["web"]},
            },
        ],
    }
    response = await http.put("/v1/routing/rules", json=rules, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    stale = await http.put("/v1/routing/rules", json={**rules, "version": 2}, headers=admin)
    assert stale.status_code == 409
    assert (await http.get("/v1/routing/rules", headers=admin)).json()["version"] == 2

    complaint = complaint_received(category="billing", text="我是贵宾客户")
    await routing.send(complaint)
    await until(lambda: _has(routing, complaint.subject))
    [routed] = routing.watcher.data(complaint.subject, "routed")
    assert (routed.department, routed.rule_id, routed.rule_set_version) == (
        "product_quality",
        "vip",
        2,
    )
    assert "keyword '贵宾'" in routed.reason


async def _has(routing: RoutingUnderTest, cid: str) -> bool:
    return bool(routing.watcher.of(cid, "routed"))


async def test_departments_used_by_rules_cannot_be_removed(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    admin = _auth(routing, Role.admin)
    current = (await http.get("/v1/routing/departments", headers=admin)).json()
    kept = [d for d in current["departments"] if d["id"] != "billing"]
    response = await http.put("/v1/routing/departments", json={"departments": kept}, headers=admin)
    assert response.status_code == 422
    assert any("'billing' is used by rule" in f["problem"] for f in response.json()["fields"])

    extra = {
        "id": "legal",
        "name": "法务部",
        "supervisor": "l-sup",
        "leader": "l-lead",
        "members": ["legal-agent-1"],
    }
    response = await http.put(
        "/v1/routing/departments",
        json={"version": current["version"] + 1, "departments": [*current["departments"], extra]},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    agent = await http.get("/v1/routing/agents/legal-agent-1", headers=admin)
    assert agent.json()["departments"] == ["legal"] and agent.json()["available"]

    complaint = complaint_received()
    await routing.send(complaint)
    await until(lambda: _record_exists(routing, complaint.subject))
    moved = await http.post(
        f"/v1/complaints/{complaint.subject}/transfer",
        json={"to_department": "legal", "reason": "合同纠纷"},
        headers=admin,
    )
    assert moved.status_code == 200 and moved.json()["assignee"] == "legal-agent-1"
    response = await http.put(
        "/v1/routing/departments", json={"departments": current["departments"]}, headers=admin
    )
    assert response.status_code == 422
    [problem] = _problems(response).values()
    assert "'legal' still has 1 open complaints" in problem


async def test_agents_change_only_their_own_availability(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    me = _auth(routing, Role.agent, sub="cs-agent-1")
    off = await http.put("/v1/routing/agents/cs-agent-1", json={"available": False}, headers=me)
    assert off.status_code == 200 and off.json()["available"] is False
    more = await http.put("/v1/routing/agents/cs-agent-1", json={"capacity": 99}, headers=me)
    assert more.status_code == 403
    other = await http.put("/v1/routing/agents/cs-agent-2", json={"available": False}, headers=me)
    assert other.status_code == 403
    supervisor = _auth(routing, Role.supervisor)
    unknown = await http.put("/v1/routing/agents/nobody", json={"capacity": 3}, headers=supervisor)
    assert unknown.status_code == 404
    bad = await http.put("/v1/routing/agents/cs-agent-1", json={"capacity": -1}, headers=supervisor)
    assert bad.status_code == 422 and "capacity" in _problems(bad)


async def test_transfer_over_http_records_the_hand_off(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    complaint = complaint_received(received_by="cs-agent-3")
    await routing.send(complaint)
    await until(lambda: _has(routing, complaint.subject))
    await until(lambda: _record_exists(routing, complaint.subject))
    url = f"/v1/complaints/{complaint.subject}/transfer"
    supervisor = _auth(routing, Role.supervisor, sub="billing-supervisor")

    unknown = await http.post(
        url, json={"to_department": "mars", "reason": "x"}, headers=supervisor
    )
    assert unknown.status_code == 422 and "to_department" in _problems(unknown)
    same = await http.post(
        url, json={"to_department": "billing", "reason": "x"}, headers=supervisor
    )
    assert same.status_code == 409
    stranger = _auth(routing, Role.agent, sub="logistics-agent-1")
    denied = await http.post(
        url, json={"to_department": "logistics", "reason": "x"}, headers=stranger
    )
    assert denied.status_code == 403

    moved = await http.post(
        url, json={"to_department": "logistics", "reason": "物流问题"}, headers=supervisor
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["department"] == "logistics" and body["first_contact_owner"] == "cs-agent-3"
    assert body["transfers"][0]["from_department"] == "billing"
    assert body["transfers"][0]["by"] == "billing-supervisor"
    view = await http.get(f"/v1/routing/complaints/{complaint.subject}", headers=supervisor)
    assert view.json() == body
    missing = await http.post(
        "/v1/complaints/nope/transfer",
        json={"to_department": "billing", "reason": "x"},
        headers=supervisor,
    )
    assert missing.status_code == 404


async def _record_exists(routing: RoutingUnderTest, cid: str) -> bool:
    return await routing.ctx.complaints.get(cid) is not None


async def test_callers_must_be_authenticated_and_allowed(
    routing: RoutingUnderTest, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/v1/routing/rules")).status_code == 401
    channel = _auth(routing, Role.channel)
    assert (await http.get("/v1/routing/rules", headers=channel)).status_code == 403
    agent = _auth(routing, Role.agent)
    put = await http.put("/v1/routing/rules", json={"rules": []}, headers=agent)
    assert put.status_code == 403
    malformed = await http.put(
        "/v1/routing/rules",
        content=b"{",
        headers={**_auth(routing, Role.admin), "content-type": "application/json"},
    )
    assert malformed.status_code == 400
