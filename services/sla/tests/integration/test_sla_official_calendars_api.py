"""Official calendars over the real worker: the built-ins and their coverage on GET, an
enterprise calendar based on one, and the coverage event on sla.events.v1."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from closeloop_shared.events import sla

from .conftest import SlaUnderTest, of_type, quick_policy, received

pytestmark = pytest.mark.integration
ACME = {"name": "acme-cn", "base": "cn-mainland", "holidays": ["2026-12-24"]}


async def test_builtins_show_their_coverage_and_a_based_calendar_adds_closures(
    sla_worker: SlaUnderTest,
) -> None:
    async with sla_worker.client() as admin:
        builtin = {c["name"]: c for c in (await admin.get("/v1/sla/calendars")).json()["calendars"]}
        cn = builtin["cn-mainland"]
        assert (cn["builtin"], cn["covered_until"], cn["provisional_years"]) == (
            True,
            "2027-12-31",
            [2027],
        )
        assert {"2026-02-14", "2026-09-20"} <= set(cn["makeup_days"])
        assert cn["makeup_hours"] == "09:00-12:00,13:00-18:00"
        assert builtin["us"]["covered_until"] == builtin["hk"]["covered_until"] == "2027-12-31"
        assert builtin["business"]["covered_until"] is None

        stored = await admin.put("/v1/sla/calendars", json={"calendars": [ACME]})
        assert stored.status_code == 200, stored.text
        acme = next(c for c in stored.json()["calendars"] if c["name"] == "acme-cn")
        assert (acme["base"], acme["version"], acme["covered_until"]) == (
            "cn-mainland",
            1,
            "2027-12-31",
        )
        assert {"2026-12-24", "2026-10-01"} <= set(acme["holidays"])
        assert acme["time_zone"] == "Asia/Shanghai"

        bad_base = await admin.put(
            "/v1/sla/calendars", json={"calendars": [ACME | {"base": "mars"}]}
        )
        assert bad_base.status_code == 422
        assert bad_base.json()["fields"][0]["field"].startswith("calendars.0")
        assert "not a built-in official calendar" in bad_base.text
        implicit = {"name": "x", "hours": {"mon": "09:00-17:00"}, "makeup_days": ["2026-09-20"]}
        no_hours = await admin.put("/v1/sla/calendars", json={"calendars": [ACME, implicit]})
        assert no_hours.status_code == 422 and "explicit makeup_hours" in no_hours.text


async def test_a_deadline_past_the_loaded_years_is_announced_on_sla_events(
    sla_worker: SlaUnderTest, publish: Any, clock_events: Any
) -> None:
    async with sla_worker.client() as admin:
        stored = await admin.put("/v1/sla/calendars", json={"calendars": [ACME]})
        assert stored.status_code == 200, stored.text
    long = quick_policy("long", "PT1H") | {
        "match": {"categories": ["long"]},
        "clocks": [{"clock": "resolution", "target": "P600D", "calendar": "acme-cn"}],
    }
    assert (await sla_worker.add_policies(long)).status_code == 200
    cid = f"cover-{uuid.uuid4().hex[:8]}"
    await publish(received(cid, datetime.now(UTC), "long"))
    found = await clock_events({cid}, until=lambda f: of_type(f, "coverage_exceeded.v1"))
    [(event, _)] = of_type(found, "coverage_exceeded.v1")
    body = event.data
    assert isinstance(body, sla.CalendarCoverageExceeded)
    assert (body.clock, body.calendar, body.covered_until) == (
        "resolution",
        "acme-cn@1",
        date(2027, 12, 31),
    )
    assert body.deadline.date() > date(2027, 12, 31)
    async with sla_worker.client() as admin:
        metrics = (await admin.get("/metrics")).text
    assert 'closeloop_sla_calendar_coverage_exceeded_total{calendar="acme-cn"} 1.0' in metrics
