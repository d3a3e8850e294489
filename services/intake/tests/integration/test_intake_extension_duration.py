"""An extension's duration reaches the lifecycle topic exactly as entered: ``PT24H`` stays
``PT24H`` (24 working hours at the SLA), never re-formatted into ``P1D`` (one working day)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

from .conftest import new_complaint

pytestmark = pytest.mark.integration
EXTENDED = "closeloop.intake.complaint.extended.v1"


async def _extend_new_complaint(intake: Any, duration: str) -> tuple[str, Any]:
    """A new complaint and the response to extending it by ``duration``."""
    agent = intake.token(Role.agent, "agent-007")
    cid = await new_complaint(intake, agent, received_by="agent-007")
    extend = {"reason": "needs a site visit", "customer_consented": True, "duration": duration}
    return cid, await intake.client.post(f"/v1/complaints/{cid}/extend", json=extend, headers=agent)


def _type(record: Any) -> str:
    return str(dict(record.headers)["ce_type"].decode())


@pytest.mark.parametrize("entered", ["PT24H", "P1D", "PT1.5H"])
async def test_extension_duration_is_published_verbatim(
    intake: Any, kafka_records: Any, entered: str
) -> None:
    cid, r = await _extend_new_complaint(intake, entered)
    assert r.status_code == 200, r.text
    assert r.json()["extensions"][0]["extend_by"] == entered

    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name],
        key=cid,
        until=lambda rs: any(_type(x) == EXTENDED for x in rs),
    )
    [published] = [json.loads(x.value) for x in records if _type(x) == EXTENDED]
    assert published["extend_by"] == entered


@pytest.mark.parametrize(("entered", "problem"), [("P1W", "weeks"), ("PT1H2D", "ISO-8601")])
async def test_an_extension_outside_the_grammar_is_refused_naming_the_field(
    intake: Any, entered: str, problem: str
) -> None:
    _, r = await _extend_new_complaint(intake, entered)
    assert r.status_code == 422, r.text
    assert "duration" in r.text and problem in r.text
