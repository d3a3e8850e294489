"""An extension entered at intake reaches the SLA clock through the real topic as entered:
``PT24H`` adds 24 working hours, ``P1D`` one working day (8 h in the business calendar).
Before the one duration grammar, intake re-formatted ``PT24H`` into ``P1D``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from e2e_env import E2E, Role, auth

from closeloop_devstack.waiting import eventually

pytestmark = pytest.mark.e2e

AGENT = auth(Role.agent, sub="e2e-extender")
SUPERVISOR = auth(Role.supervisor, sub="e2e-supervisor")


async def extended_resolution_clock(
    client: httpx.AsyncClient, e2e: E2E, duration: str
) -> dict[str, Any]:
    """A new major complaint whose resolution clock (P5D, business calendar) is extended."""
    customer = {"name": "赵磊", "email": f"zl.{uuid.uuid4().hex[:8]}@example.com"}
    body = {"channel": "web", "kind": "complaint", "customer": customer, "category": "billing"}
    body |= {"description": "账单重复扣费两次，请尽快处理", "received_by": "e2e-extender"}
    created = await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=AGENT)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    sla_url = e2e.url("sla", f"/v1/sla/complaints/{cid}")

    async def resolution() -> dict[str, Any] | None:
        reply = await client.get(sla_url, headers=SUPERVISOR)
        if reply.status_code != 200:
            return None
        clocks = {c["clock"]: c for c in reply.json()["clocks"]}
        clock: dict[str, Any] | None = clocks.get("resolution")
        return clock

    await eventually(resolution, within=60, what="the resolution clock")
    extend = {"reason": "needs a site visit", "customer_consented": True, "duration": duration}
    url = e2e.url("intake", f"/v1/complaints/{cid}/extend")
    reply = await client.post(url, json=extend, headers=AGENT)
    assert reply.status_code == 200, reply.text

    async def extended() -> dict[str, Any] | None:
        clock = await resolution()
        return clock if clock is not None and clock["extensions"] else None

    return await eventually(extended, within=60, what=f"the {duration} extension at the SLA")


async def test_pt24h_entered_at_intake_is_24_working_hours_at_the_sla(e2e: E2E) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        by_hours = await extended_resolution_clock(client, e2e, "PT24H")
        by_day = await extended_resolution_clock(client, e2e, "P1D")
    assert (by_hours["calendar"], by_hours["target"]) == ("business", "P5D")
    [hours] = by_hours["extensions"]
    [day] = by_day["extensions"]
    assert hours["added_seconds"] == 24 * 3600
    assert day["added_seconds"] == 8 * 3600  # one working day of 09:00-12:00, 13:00-18:00
