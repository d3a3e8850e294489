"""The MongoDB adapter against the real wire-protocol server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pymongo.errors import DuplicateKeyError

from closeloop_shared.mongo import IndexSpec, ProcessedEvents, applied_once, connect, ping
from closeloop_shared.mongo import ensure_indexes as create_indexes
from closeloop_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration
Names = Callable[[str], str]


async def test_database_per_service_and_declared_indexes(
    mongo_uri: str, unique_name: Names
) -> None:
    settings = ServiceSettings(
        service_name="intake", mongo_uri=mongo_uri, mongo_db_prefix=unique_name("p") + "_"
    )
    assert settings.database_name.endswith("_intake")
    client = connect(mongo_uri, app_name="t")
    assert await ping(client)
    db = client[settings.database_name]
    await create_indexes(
        db,
        [
            IndexSpec("complaints", [("idem_key", 1)], unique=True),
            IndexSpec("complaints", [("status", 1), ("received_at", -1)]),
        ],
    )
    await create_indexes(db, [IndexSpec("complaints", [("idem_key", 1)], unique=True)])  # again
    names = set((await db["complaints"].index_information()).keys())
    assert {"idem_key_1", "status_1_received_at_-1"} <= names
    await db["complaints"].insert_one({"idem_key": "k"})
    with pytest.raises(DuplicateKeyError):
        await db["complaints"].insert_one({"idem_key": "k"})
    await client.close()


async def test_applied_once_applies_an_event_exactly_once(
    mongo_uri: str, unique_name: Names
) -> None:
    client = connect(mongo_uri, app_name="t")
    coll = client[unique_name("db")]["views"]
    await coll.insert_one({"_id": "c-1", "n": 0})
    results = []
    for _ in range(3):  # the same event delivered three times
        flt, upd = applied_once("evt-1")
        res = await coll.update_one({"_id": "c-1", **flt}, {"$inc": {"n": 1}, **upd})
        results.append(res.modified_count)
    flt, upd = applied_once("evt-2")
    await coll.update_one({"_id": "c-1", **flt}, {"$inc": {"n": 1}, **upd})
    doc = await coll.find_one({"_id": "c-1"})
    assert results == [1, 0, 0]
    assert doc is not None and doc["n"] == 2 and doc["applied_events"] == ["evt-1", "evt-2"]
    await client.close()


async def test_processed_events_claim_is_first_wins(mongo_uri: str, unique_name: Names) -> None:
    client = connect(mongo_uri, app_name="t")
    store = ProcessedEvents(client[unique_name("db")])
    assert await store.claim("e-1") is True
    assert await store.claim("e-1") is False
    assert await store.seen("e-1") and not await store.seen("e-2")
    await client.close()
