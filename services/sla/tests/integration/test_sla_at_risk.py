"""``GET /v1/sla/at-risk`` on the real worker: breached clocks first, then running ones by
deadline within the window, each with its owner; scoped to the caller's departments."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from closeloop_shared.auth import Role
from closeloop_shared.events import routing

from .conftest import SlaUnderTest, quick_policy, received

pytestmark = pytest.mark.integration


async def test_at_risk_lists_breached_then_soonest_scoped_to_the_callers_departments(
    sla_worker: SlaUnderTest, publish: Any
) -> None:
    tag = uuid.uuid4().hex[:6]
    billing, logistics = f"billing-{tag}", f"logistics-{tag}"
    targets = {"fast": "PT2S", "mid": "PT60M", "slow": "PT90M", "far": "PT5H"}
    policies = [quick_policy(f"risk-{name}-{tag}", target) for name, target in targets.items()]
    assert (await sla_worker.add_policies(*policies)).status_code == 200
    ids = {name: f"risk-{name}-{uuid.uuid4().hex[:8]}" for name in targets}
    home = {"fast": billing, "mid": billing, "slow": logistics, "far": billing}
    now = datetime.now(UTC)
    for name, cid in ids.items():
        severity = "urgent" if name == "slow" else "normal"
        await publish(received(cid, now, f"risk-{name}-{tag}", severity=severity))

    async def listed(role: Role, depts: tuple[str, ...] = (), **params: str) -> list[Any]:
        async with sla_worker.client(role, depts) as client:
            reply = await client.get("/v1/sla/at-risk", params=params)
        assert reply.status_code == 200, reply.text
        return [i for i in reply.json()["items"] if i["complaint_id"] in ids.values()]

    async def settled(check: Any, what: str) -> list[Any]:
        deadline = time.monotonic() + 60
        while not check(rows := await listed(Role.admin, within="PT6H")):
            assert time.monotonic() < deadline, f"{what}: {rows}"
            await asyncio.sleep(0.3)
        return rows

    # Routing assigns after the receipt (another topic: published once the clocks run).
    await settled(lambda rows: len(rows) == 4, "clocks never started")
    for name, cid in ids.items():
        owner, dept = f"agent-{name}", home[name]
        await publish(
            routing.ComplaintAssigned(complaint_id=cid, at=now, department=dept, assignee=owner)
        )
    await settled(
        lambda rows: all(r["owner"] for r in rows) and rows[0]["state"] == "breached",
        "never assigned and breached",
    )
    rows = await listed(Role.admin)
    assert [r["complaint_id"] for r in rows] == [ids["fast"], ids["mid"], ids["slow"]]
    fast, mid, slow = rows
    assert (fast["owner"], fast["department"], fast["clock"]) == (
        "agent-fast",
        billing,
        "first_response",
    )
    assert fast["remaining_working_seconds"] < 0
    assert 3000 < mid["remaining_working_seconds"] <= 3600 and mid["state"] == "running"
    assert slow["severity"] == "urgent"
    assert len(await listed(Role.admin, within="PT6H")) == 4  # the far one within 6 hours

    # Scoping: a department user sees their department, an agent the departments of the token.
    billing_rows = await listed(Role.department, (billing,))
    assert [r["complaint_id"] for r in billing_rows] == [ids["fast"], ids["mid"]]
    assert [r["complaint_id"] for r in await listed(Role.agent, (logistics,))] == [ids["slow"]]
    assert await listed(Role.department, (logistics,), department=billing) == []
    assert [r["complaint_id"] for r in await listed(Role.admin, severity="urgent")] == [ids["slow"]]


async def test_a_bad_window_or_an_unknown_parameter_is_422_naming_it(
    sla_worker: SlaUnderTest,
) -> None:
    async with sla_worker.client(Role.supervisor) as client:
        bad = await client.get("/v1/sla/at-risk", params={"within": "2 hours"})
        assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "within"
        odd = await client.get("/v1/sla/at-risk", params={"withn": "PT2H"})
        assert odd.status_code == 422 and odd.json()["fields"][0]["field"] == "withn"
    async with sla_worker.client(Role.auditor) as auditor:
        assert (await auditor.get("/v1/sla/at-risk")).status_code == 403
        spec = (await auditor.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/sla/at-risk"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "within",
        "department",
        "severity",
        "limit",
    }
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AtRiskPage"}
    row = spec["components"]["schemas"]["AtRiskClockRead"]["properties"]
    assert {"complaint_id", "clock", "deadline", "remaining_working_seconds", "state", "owner"} <= (
        row.keys()
    )
