"""A list's first page read only as far as the last one ended (``page_ends``), against the
real database: it is the same page, with the same cursor, as the whole read while complaints
arrive, change deadline, move department and close; and the bounded read seeks the order's
index instead of reading the department."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.complaint_queries import (
    EVERY_DATE,
    ComplaintFilter,
    complaint_query,
    search_complaints,
)
from closeloop_intake.adapters.page_ends import PageEnds, list_key
from closeloop_intake.adapters.repository import COLLECTION, INDEXES
from closeloop_intake.domain.worklist import NO_DEADLINE
from closeloop_shared.mongo import Document, connect

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)
PAGE = 10
LISTS = [
    (ComplaintFilter(department="billing"), "deadline"),
    (ComplaintFilter(department="billing"), "-received_at"),
    (ComplaintFilter(), "deadline"),
    (ComplaintFilter(assignee="agent-1"), "deadline"),
]


@pytest.fixture
async def complaints(mongo_uri: str) -> AsyncIterator[AsyncCollection[Document]]:
    """A scratch complaints collection with the repository's indexes."""
    client = connect(mongo_uri, app_name="test-first-pages")
    db = client[f"t_first_pages_{uuid.uuid4().hex[:8]}"]
    await db[COLLECTION].create_indexes([spec.model() for spec in INDEXES])
    try:
        yield db[COLLECTION]
    finally:
        await client.drop_database(db.name)
        await client.close()


def complaint(i: int, rng: random.Random) -> Document:
    return {
        "_id": f"CMP-{i:06d}",
        "department": rng.choice(["billing", "billing", "network"]),
        "assignee": rng.choice([None, "agent-1", "agent-2"]),
        "status": "received",
        "severity_rank": rng.randint(0, 3),
        "received_at": T0 + timedelta(seconds=i),
        # ties on purpose: many complaints share a deadline to the minute
        "due_at": T0 + timedelta(minutes=rng.randint(0, 600)),
    }


def leaf_stage(plan: dict[str, Any]) -> dict[str, Any]:
    """The stage the winning plan reads documents through (IXSCAN or COLLSCAN)."""
    stage: dict[str, Any] = plan["queryPlanner"]["winningPlan"]
    while "inputStage" in stage:
        stage = stage["inputStage"]
    return stage


def reads(kind: str) -> float:
    value = REGISTRY.get_sample_value("closeloop_intake_first_page_reads_total", {"read": kind})
    return value or 0.0


async def first_pages(
    coll: AsyncCollection[Document], ends: PageEnds
) -> list[tuple[list[Any], str | None, list[Any], str | None]]:
    """Each list's first page read with ``ends`` and read whole: (ids, cursor) of both."""
    out = []
    for flt, sort in LISTS:
        bounded, cursor = await search_complaints(
            coll, flt, cursor=None, limit=PAGE, sort=sort, ends=ends
        )
        whole, whole_cursor = await search_complaints(coll, flt, cursor=None, limit=PAGE, sort=sort)
        out.append(([d["_id"] for d in bounded], cursor, [d["_id"] for d in whole], whole_cursor))
    return out


async def change_one(coll: AsyncCollection[Document], rng: random.Random, i: int) -> str:
    """One random change of the kind a day brings; returns its name."""
    ids = [d["_id"] for d in await coll.find({}, {"_id": 1}).to_list()]
    victim = rng.choice(ids)
    kind = rng.choice(["arrive", "arrive_urgent", "deadline", "move", "close", "delete"])
    if kind == "arrive":
        await coll.insert_one(complaint(i, rng))
    elif kind == "arrive_urgent":  # sorts before every remembered end
        await coll.insert_one(complaint(i, rng) | {"due_at": T0 - timedelta(minutes=i)})
    elif kind == "deadline":
        due = T0 + timedelta(minutes=rng.randint(-60, 700))
        await coll.update_one({"_id": victim}, {"$set": {"due_at": due}})
    elif kind == "move":
        await coll.update_one({"_id": victim}, {"$set": {"department": "network"}})
    elif kind == "close":
        await coll.update_one({"_id": victim}, {"$set": {"due_at": NO_DEADLINE}})
    else:
        await coll.delete_one({"_id": victim})
    return kind


async def test_first_pages_read_within_the_end_equal_the_whole_read_through_every_change(
    complaints: AsyncCollection[Document],
) -> None:
    rng = random.Random(18)
    await complaints.insert_many([complaint(i, rng) for i in range(300)])
    ends = PageEnds()
    within_before, whole_before = reads("within_end"), reads("whole")
    for step in range(120):
        for bounded, cursor, whole, whole_cursor in await first_pages(complaints, ends):
            assert (bounded, cursor) == (whole, whole_cursor), f"step {step}"
        await change_one(complaints, rng, 1000 + step)
        # the front of a list emptied faster than a margin refills it: the bound runs short
        if step % 40 == 39:
            front = await complaints.find({"department": "billing"}).sort("due_at").to_list(25)
            ids = [d["_id"] for d in front]
            await complaints.update_many({"_id": {"$in": ids}}, {"$set": {"due_at": NO_DEADLINE}})
    within_reads = reads("within_end") - within_before
    whole_reads = reads("whole") - whole_before
    # 4 lists × 120 steps: the bound served most of them, and ran short some of the time
    assert within_reads >= 0.8 * 4 * 120, (within_reads, whole_reads)
    assert whole_reads >= len(LISTS), (within_reads, whole_reads)
    assert len(ends) == len(LISTS)


async def test_a_list_that_fits_in_the_margin_is_not_bounded(
    complaints: AsyncCollection[Document],
) -> None:
    rng = random.Random(7)
    await complaints.insert_many([complaint(i, rng) | {"department": "legal"} for i in range(40)])
    ends = PageEnds()
    flt = ComplaintFilter(department="legal")

    async def first_page() -> tuple[list[Document], str | None]:
        return await search_complaints(
            complaints, flt, cursor=None, limit=PAGE, sort="deadline", ends=ends
        )

    await first_page()
    assert len(ends) == 1  # 40 complaints: more than the margin of two pages
    await complaints.delete_many({"_id": {"$gte": "CMP-000015"}})
    page, cursor = await first_page()
    assert len(page) == PAGE and cursor is not None
    assert len(ends) == 0  # 15 now fit in the margin: the end is forgotten


async def test_the_bounded_first_page_seeks_the_orders_index(
    complaints: AsyncCollection[Document],
) -> None:
    rng = random.Random(3)
    await complaints.insert_many([complaint(i, rng) for i in range(300)])
    ends = PageEnds()
    flt = ComplaintFilter(department="billing")
    await search_complaints(complaints, flt, cursor=None, limit=PAGE, sort="deadline", ends=ends)
    end = ends.get(list_key(complaint_query(flt), "deadline", PAGE))
    assert end is not None
    query = complaint_query(flt, {"due_at": {"$lte": end}})
    plan = await complaints.find(query).sort([("due_at", 1), ("_id", 1)]).limit(22).explain()
    scan = leaf_stage(plan)
    assert scan["stage"] == "IXSCAN", plan
    assert scan["indexName"] == "department_1_due_at_1__id_1", plan
    (bounds,) = scan["indexBounds"]["due_at"]
    assert bounds != "[MinKey, MaxKey]", plan  # the range bounds the seek


@pytest.mark.parametrize(
    ("flt", "index"),
    [
        (ComplaintFilter(assignee="agent-1"), "assignee_1_due_at_1__id_1"),
        (ComplaintFilter(department="billing"), "department_1_due_at_1__id_1"),
        (ComplaintFilter(), "due_at_1__id_1"),
    ],
)
async def test_the_whole_first_page_seeks_the_orders_index_without_a_hint(
    complaints: AsyncCollection[Document], flt: ComplaintFilter, index: str
) -> None:
    rng = random.Random(5)
    await complaints.insert_many([complaint(i, rng) for i in range(50)])
    query = complaint_query(flt, {"due_at": {"$gte": EVERY_DATE}})
    plan = await complaints.find(query).sort([("due_at", 1), ("_id", 1)]).limit(22).explain()
    scan = leaf_stage(plan)
    assert (scan["stage"], scan["indexName"]) == ("IXSCAN", index), plan
