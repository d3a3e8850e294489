"""The sla HTTP API on the real worker: authentication and roles, validated and versioned
policies and calendars, explicit reapply, department-scoped clock reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from closeloop_shared.auth import Role
from closeloop_shared.events import routing, sla

from .conftest import SlaUnderTest, of_type, quick_policy, received

pytestmark = pytest.mark.integration


def new_id(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


async def test_calls_need_a_token_and_changes_need_admin_or_supervisor(
    sla_worker: SlaUnderTest,
) -> None:
    async with httpx.AsyncClient(base_url=sla_worker.url) as anonymous:
        assert (await anonymous.get("/v1/sla/policies")).status_code == 401
        assert (await anonymous.get("/healthz")).status_code == 200
        assert (await anonymous.get("/openapi.json")).status_code == 200
        metrics = (await anonymous.get("/metrics")).text
        assert 'closeloop_sla_breaches_total{clock="resolution",severity="urgent"} 0.0' in metrics
    async with sla_worker.client(Role.agent) as agent:
        current = (await agent.get("/v1/sla/policies")).json()
        assert (await agent.put("/v1/sla/policies", json=current)).status_code == 403
        assert (await agent.post("/v1/sla/policies/reapply")).status_code == 403
    async with sla_worker.client(Role.auditor) as auditor:
        assert (await auditor.get("/v1/sla/calendars")).status_code == 403


async def test_a_bad_policy_set_is_refused_with_422_naming_each_problem(
    sla_worker: SlaUnderTest,
) -> None:
    async with sla_worker.client() as admin:
        shape = await admin.put(
            "/v1/sla/policies",
            json={"policies": [{"id": "x", "clocks": [{"clock": "resolution", "target": "P1M"}]}]},
        )
        assert shape.status_code == 422
        assert [f["field"] for f in shape.json()["fields"]] == ["policies.0.clocks.0.target"]
        body = {
            "policies": [
                {"id": "a", "match": {"severities": ["urgent"]},
                 "clocks": [{"clock": "resolution", "target": "P5D", "calendar": "moon"}]},
                {"id": "a", "match": {"severities": ["major"]},
                 "clocks": [{"clock": "resolution", "target": "P5D"}]},
            ]
        }  # fmt: skip
        meaning = await admin.put("/v1/sla/policies", json=body)
        assert meaning.status_code == 422
        problems = {(f["field"], f["problem"]) for f in meaning.json()["fields"]}
        assert ("policies.0", "policy 'a', clock resolution: unknown calendar 'moon'") in problems
        assert any(field == "policies" and "catch-all" in text for field, text in problems)
        assert any(field == "policies" and "more than once" in text for field, text in problems)


async def test_a_policy_change_applies_to_new_complaints_until_it_is_reapplied(
    sla_worker: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    assert (await sla_worker.add_policies(quick_policy("later", "PT60S"))).status_code == 200
    old, new = new_id("old"), new_id("new")
    start = datetime.now(UTC)
    await publish(received(old, start, "later"))
    await clock_events({old}, until=lambda f: of_type(f, "started.v1"))
    changed = await sla_worker.add_policies(quick_policy("later", "PT1S"))
    assert changed.status_code == 200
    later = next(p for p in changed.json()["policies"] if p["id"] == "later")
    await publish(received(new, datetime.now(UTC), "later"))
    await clock_events({new}, until=lambda f: of_type(f, "breached.v1"))
    async with sla_worker.client(Role.supervisor) as supervisor:
        running = (await supervisor.get(f"/v1/sla/complaints/{old}")).json()["clocks"][0]
        assert running["state"] == "running"
        assert running["policy_version"] == later["version"] - 1
        reapplied_at = datetime.now(UTC)
        accepted = await supervisor.post("/v1/sla/policies/reapply")
        assert accepted.status_code == 202
    found = await clock_events({old}, until=lambda f: of_type(f, "breached.v1"))
    [(breach, _)] = of_type(found, "breached.v1")
    assert isinstance(breach.data, sla.ClockBreached) and breach.data.deadline is not None
    # already past its new 1 s limit: it breaches when the new policy applies, not before
    assert breach.data.deadline >= reapplied_at
    assert of_type(found, "retargeted.v1")
    async with sla_worker.client() as admin:
        moved = (await admin.get(f"/v1/sla/complaints/{old}")).json()["clocks"][0]
    assert (moved["state"], moved["policy_version"]) == ("breached", later["version"])


async def test_calendars_are_versioned_and_policies_may_only_name_known_ones(
    sla_worker: SlaUnderTest,
) -> None:
    night = {"name": "night", "time_zone": "Asia/Shanghai", "hours": {"mon": "20:00-23:00"}}
    async with sla_worker.client() as admin:
        assert (
            await admin.put("/v1/sla/calendars", json={"calendars": [night]})
        ).status_code == 200
        unchanged = await admin.put("/v1/sla/calendars", json={"calendars": [night]})
        changed = await admin.put(
            "/v1/sla/calendars",
            json={"calendars": [night | {"holidays": ["2026-12-28"]}]},
        )
        versions = {c["name"]: c["version"] for c in unchanged.json()["calendars"]}
        assert versions["night"] == 1 and versions["24x7"] == 0
        night_now = next(c for c in changed.json()["calendars"] if c["name"] == "night")
        assert night_now["version"] == 2 and night_now["holidays"] == ["2026-12-28"]
        bad = await admin.put(
            "/v1/sla/calendars", json={"calendars": [night | {"time_zone": "Mars/Base"}]}
        )
        assert bad.status_code == 422 and bad.json()["fields"][0]["field"].startswith("calendars.0")
    by_night = quick_policy("nightly", "PT1H") | {
        "clocks": [{"clock": "resolution", "target": "P1D", "calendar": "night"}]
    }
    assert (await sla_worker.add_policies(by_night)).status_code == 200
    by_moon = by_night | {"clocks": [{"clock": "resolution", "target": "P1D", "calendar": "moon"}]}
    assert (await sla_worker.add_policies(by_moon)).status_code == 422


async def test_department_users_see_only_their_departments_clocks(
    sla_worker: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    cid = new_id("dept")
    await publish(received(cid, datetime.now(UTC), "billing"))
    routed = routing.ComplaintRouted(
        complaint_id=cid, at=datetime.now(UTC), department="billing", rule_set_version=1, reason="r"
    )
    await publish(routed)
    async with sla_worker.client() as admin:
        for _ in range(100):
            reply = await admin.get(f"/v1/sla/complaints/{cid}")
            if reply.status_code == 200 and reply.json()["department"] == "billing":
                break
        assert reply.json()["department"] == "billing"
        assert {c["clock"] for c in reply.json()["clocks"]} >= {"first_response", "registration"}
        assert (await admin.get(f"/v1/sla/complaints/{new_id('nobody')}")).status_code == 404
    async with sla_worker.client(Role.department, ("billing",)) as billing:
        assert (await billing.get(f"/v1/sla/complaints/{cid}")).status_code == 200
    async with sla_worker.client(Role.department, ("logistics",)) as logistics:
        assert (await logistics.get(f"/v1/sla/complaints/{cid}")).status_code == 404
