"""A complaint cannot grow without bound: notes have a limit, the timeline is read a page at
a time (against the real SecantusDB)."""

from __future__ import annotations

from typing import Any

import pytest

from closeloop_shared.auth import Role

from .conftest import new_complaint

pytestmark = pytest.mark.integration


async def _complaint(intake: Any) -> str:
    return await new_complaint(intake, intake.token(Role.agent, "agent-grow"), category="billing")


async def test_a_200000_character_note_is_refused_naming_the_field(intake: Any) -> None:
    cid = await _complaint(intake)
    agent = intake.token(Role.agent, "agent-grow")
    url = f"/v1/complaints/{cid}/notes"
    huge = await intake.client.post(url, json={"text": "长" * 200_000}, headers=agent)
    assert huge.status_code == 422
    assert [f["field"] for f in huge.json()["fields"]] == ["text"]
    over = await intake.client.post(url, json={"text": "x" * 10_001}, headers=agent)
    assert over.status_code == 422
    at_limit = await intake.client.post(url, json={"text": "x" * 10_000}, headers=agent)
    assert at_limit.status_code == 200, at_limit.text


async def test_the_timeline_is_read_a_page_at_a_time_with_a_cursor(intake: Any) -> None:
    cid = await _complaint(intake)
    agent = intake.token(Role.agent, "agent-grow")
    for n in range(6):
        reply = await intake.client.post(
            f"/v1/complaints/{cid}/notes", json={"text": f"note {n}"}, headers=agent
        )
        assert reply.status_code == 200, reply.text
    url = f"/v1/complaints/{cid}/timeline"
    whole = (await intake.client.get(url, headers=agent)).json()
    assert whole["next_cursor"] is None and len(whole["entries"]) >= 7  # received + 6 notes

    pages, cursor = [], None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await intake.client.get(url, params=params, headers=agent)).json()
        assert len(page["entries"]) <= 2
        pages.append(page["entries"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for p in pages for e in p] == [e["id"] for e in whole["entries"]]
    assert len(pages) == (len(whole["entries"]) + 1) // 2

    bad = await intake.client.get(url, params={"cursor": "-1"}, headers=agent)
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "cursor"
    too_many = await intake.client.get(url, params={"limit": "100000"}, headers=agent)
    assert too_many.status_code == 422 and too_many.json()["fields"][0]["field"] == "limit"
