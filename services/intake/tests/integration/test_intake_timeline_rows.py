"""The timeline leaves the complaint document for a collection of its own (issue 20, bounded
growth), against the real database. A timeline reads the same before, during and after a
move, and the document stays small however many notes are added. Two movers, or one that
dies halfway, lose nothing and duplicate nothing."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import bson
import pytest

from closeloop_intake.adapters.timeline import ROWS, TimelineStore, row_id
from closeloop_shared.auth import Role

from .conftest import IntakeUnderTest, intake_settings, new_complaint, start_intake

pytestmark = pytest.mark.integration
AGENT = "agent-rows"


@pytest.fixture(scope="module")
async def still(kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[IntakeUnderTest]:
    """An intake whose mover is off: the test moves entries when it chooses."""
    settings = intake_settings(kafka_bootstrap, mongo_uri, timeline_move_interval_s=0)
    async for running in start_intake(settings):
        yield running


async def complaint(intake: IntakeUnderTest) -> str:
    return await new_complaint(intake, intake.token(Role.agent, AGENT), category="billing")


async def note(intake: IntakeUnderTest, cid: str, text: str) -> None:
    reply = await intake.client.post(
        f"/v1/complaints/{cid}/notes", json={"text": text}, headers=intake.token(Role.agent, AGENT)
    )
    assert reply.status_code == 200, reply.text


async def read_all(intake: IntakeUnderTest, cid: str, page: int) -> list[str]:
    """Every entry's id, read ``page`` at a time through the API."""
    ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": str(page)} | ({"cursor": cursor} if cursor else {})
        reply = await intake.client.get(
            f"/v1/complaints/{cid}/timeline", params=params, headers=intake.token(Role.admin)
        )
        assert reply.status_code == 200, reply.text
        ids += [e["id"] for e in reply.json()["entries"]]
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            return ids


async def stored(intake: IntakeUnderTest, cid: str) -> dict[str, Any]:
    doc = await intake.runtime.db["complaints"].find_one({"_id": cid})
    assert doc is not None
    return doc


async def move_all(store: TimelineStore) -> None:
    while await store.move_pending(batch=1000):
        pass


async def test_a_timeline_reads_the_same_before_during_and_after_the_move(
    still: IntakeUnderTest,
) -> None:
    store = TimelineStore(still.runtime.db)
    cid = await complaint(still)
    for n in range(12):
        await note(still, cid, f"note {n}")
    before = await read_all(still, cid, page=5)
    assert len(before) >= 13  # received + 12 notes
    await move_all(store)
    for n in range(12, 20):  # now some are rows and some are pending
        await note(still, cid, f"note {n}")
    doc = await stored(still, cid)
    assert doc["timeline_moved"] == len(before) and len(doc["timeline"]) >= 8
    during = await read_all(still, cid, page=5)
    assert during[: len(before)] == before and len(during) >= len(before) + 8
    for page in (1, 3, 7, 1000):  # pages that end inside, at and across the boundary
        assert await read_all(still, cid, page=page) == during
    await move_all(store)
    doc = await stored(still, cid)
    assert doc["timeline"] == [] and doc["timeline_moved"] == len(during)
    assert await read_all(still, cid, page=4) == during
    rows = await still.runtime.db[ROWS].count_documents({"_id": {"$regex": f"^{cid}:"}})
    assert rows == len(during)


async def test_the_document_stays_small_while_its_timeline_grows(still: IntakeUnderTest) -> None:
    store = TimelineStore(still.runtime.db)
    cid = await complaint(still)
    for n in range(40):
        await note(still, cid, f"{n} " + "长" * 9_990)
        if n % 10 == 9:
            await move_all(store)
    doc = await stored(still, cid)
    assert len(bson.encode(doc)) < 16_000, len(bson.encode(doc))
    rows = await still.runtime.db[ROWS].find({"_id": {"$regex": f"^{cid}:"}}).to_list()
    assert sum(len(bson.encode(r)) for r in rows) > 40 * 9_990 * 3  # UTF-8: 3 bytes a 长
    assert len(await read_all(still, cid, page=1000)) == len(rows)


async def test_two_movers_while_notes_arrive_move_each_entry_once_in_order(
    still: IntakeUnderTest,
) -> None:
    movers = [TimelineStore(still.runtime.db), TimelineStore(still.runtime.db)]
    cid = await complaint(still)
    writing = True

    async def keep_moving(store: TimelineStore) -> None:
        while writing:
            await store.move_pending(batch=1000)
            await asyncio.sleep(random.random() / 100)

    tasks = [asyncio.create_task(keep_moving(m)) for m in movers]
    try:
        for n in range(40):
            await note(still, cid, f"note {n}")
    finally:
        writing = False
        await asyncio.gather(*tasks)
    await move_all(movers[0])
    doc = await stored(still, cid)
    rows = await still.runtime.db[ROWS].find({"_id": {"$regex": f"^{cid}:"}}).to_list()
    assert doc["timeline"] == [] and doc["timeline_moved"] == len(rows) >= 41
    assert [r["_id"] for r in rows] == [row_id(cid, i) for i in range(len(rows))]
    notes = [r["entry"]["details"].get("text_sealed") for r in rows[1:]]
    assert all(notes) and len({r["entry"]["id"] for r in rows}) == len(rows)


async def test_rows_left_by_a_mover_that_died_are_neither_read_nor_duplicated(
    still: IntakeUnderTest,
) -> None:
    cid = await complaint(still)
    for n in range(5):
        await note(still, cid, f"note {n}")
    before = await read_all(still, cid, page=2)
    # The first half of a move, as a mover killed before removing the entries leaves it.
    pending = (await stored(still, cid))["timeline"]
    await still.runtime.db[ROWS].insert_many(
        [{"_id": row_id(cid, i), "entry": e} for i, e in enumerate(pending)]
    )
    assert await read_all(still, cid, page=2) == before
    await move_all(TimelineStore(still.runtime.db))
    assert await read_all(still, cid, page=2) == before
    assert (await stored(still, cid))["timeline_moved"] == len(before)


async def test_the_service_moves_entries_out_by_itself(
    kafka_bootstrap: str, mongo_uri: str
) -> None:
    settings = intake_settings(kafka_bootstrap, mongo_uri, timeline_move_interval_s=0.1)
    async for intake in start_intake(settings):
        cid = await complaint(intake)
        for n in range(3):
            await note(intake, cid, f"note {n}")
        deadline = time.monotonic() + 30
        while (await stored(intake, cid)).get("timeline"):
            assert time.monotonic() < deadline, "the mover never moved the entries"
            await asyncio.sleep(0.1)
        assert (await stored(intake, cid))["timeline_moved"] == 4
        assert len(await read_all(intake, cid, page=2)) == 4
