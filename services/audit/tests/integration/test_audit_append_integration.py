"""Appending to the log in the real database: a redelivered, partly stored batch adds no
duplicate and skips nothing; two writers cannot fork the chain; the service's database user
can insert and find but never update or delete."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from audit_support import records, writer
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from closeloop_audit.adapters.db_privileges import ensure_append_only_user
from closeloop_audit.adapters.entry_store import INDEXES
from closeloop_audit.adapters.log_reader import open_client
from closeloop_audit.service.log_writer import LogDamaged, LogWriter
from closeloop_audit.service.verifier import verify_database
from closeloop_devstack.mongo import MongoServer
from closeloop_shared.crypto import Sealer
from closeloop_shared.mongo import Document, connect, ensure_indexes
from closeloop_shared.settings import DEV_PII_KEY

pytestmark = pytest.mark.integration


async def event_ids(db: AsyncDatabase[Document]) -> list[str]:
    return [doc["event_id"] async for doc in db.entries.find({}, sort=[("_id", 1)])]


def verify(mongo_uri: str, db: AsyncDatabase[Document]) -> Any:
    client = open_client(mongo_uri)
    try:
        return verify_database(client, db.name, trusted_keys=None)
    finally:
        client.close()


async def test_redelivered_batch_after_a_partial_insert_appends_only_the_rest(
    audit_db: AsyncDatabase[Document], mongo_uri: str
) -> None:
    batch = records(0, 40)
    first = writer(audit_db)
    await first.load()
    assert len(await first.append(batch[:15])) == 15  # stored, offsets never committed
    restarted = writer(audit_db)  # a new process: state comes from the database
    await restarted.load()
    appended = await restarted.append(batch)  # the whole batch is redelivered
    assert [e.seq for e in appended] == list(range(16, 41))
    assert await event_ids(audit_db) == [f"evt-{i}" for i in range(40)]
    assert (await restarted.append(batch)) == []  # and again: nothing new
    assert verify(mongo_uri, audit_db).ok


async def test_duplicate_ids_within_one_batch_are_logged_once(
    audit_db: AsyncDatabase[Document],
) -> None:
    batch = records(0, 5) + records(0, 5, topic="complaints.public.v1")
    log = writer(audit_db)
    assert len(await log.append(batch)) == 5
    assert [doc["topic"] async for doc in audit_db.entries.find()] == ["routing.events.v1"] * 5


async def test_two_writers_appending_at_once_keep_one_unforked_chain(
    audit_db: AsyncDatabase[Document], mongo_uri: str
) -> None:
    a, b = writer(audit_db), writer(audit_db)
    await asyncio.gather(a.load(), b.load())

    async def feed(log: LogWriter, start: int) -> None:
        for chunk in range(start, start + 200, 20):
            await log.append(records(chunk, 20))

    await asyncio.gather(feed(a, 0), feed(b, 1000))
    ids = await event_ids(audit_db)
    assert sorted(ids) == sorted([f"evt-{i}" for i in [*range(200), *range(1000, 1200)]])
    verdict = verify(mongo_uri, audit_db)
    assert verdict.ok and verdict.entries == 400


async def test_writer_refuses_to_append_after_a_gap_in_the_stored_log(
    audit_db: AsyncDatabase[Document],
) -> None:
    await writer(audit_db).append(records(0, 10))
    await audit_db.entries.delete_one({"_id": 4})
    with pytest.raises(LogDamaged, match="not all present"):
        await writer(audit_db).load()


async def test_sealed_payload_opens_to_the_record_and_is_not_in_clear(
    audit_db: AsyncDatabase[Document],
) -> None:
    await writer(audit_db).append(records(3, 1))
    doc = await audit_db.entries.find_one({"_id": 1})
    assert doc is not None and '"n"' not in str(doc)
    evidence = Sealer(DEV_PII_KEY).open(doc["payload_sealed"], context="audit")
    assert evidence["headers"]["ce_id"] == "evt-3"


def test_database_user_of_the_service_can_insert_and_find_but_not_rewrite(
    mongo_server_factory: Callable[[], MongoServer],
) -> None:
    server = mongo_server_factory()
    admin: MongoClient[dict[str, Any]] = MongoClient(server.uri, directConnection=True)
    admin.admin.command(
        "createUser", "root", pwd="root-pw", roles=[{"role": "root", "db": "admin"}]
    )
    ensure_append_only_user(admin, "closeloop_audit", "audit", "audit-pw")
    admin.close()
    (server.data_dir / "secantusd.toml").write_text("[server]\nauth = true\n")
    server.restart()

    uri = f"mongodb://audit:audit-pw@127.0.0.1:{server.port}/closeloop_audit?retryWrites=false"

    async def append_as_service_user() -> None:
        client: AsyncMongoClient[Document] = connect(uri, app_name="audit-test")
        db = client["closeloop_audit"]
        await ensure_indexes(db, INDEXES)
        await writer(db).append(records(0, 10))
        await client.close()

    asyncio.run(append_as_service_user())
    service: MongoClient[dict[str, Any]] = MongoClient(uri)
    entries = service["closeloop_audit"].entries
    try:
        assert entries.count_documents({}) == 10
        refused: dict[str, Callable[[], object]] = {
            "update": lambda: entries.update_one({"_id": 3}, {"$set": {"payload_hash": "x"}}),
            "replace": lambda: entries.replace_one({"_id": 3}, {"seq": 3}),
            "delete": lambda: entries.delete_one({"_id": 3}),
            "drop": lambda: entries.drop(),
            "find_and_modify": lambda: entries.find_one_and_delete({"_id": 3}),
        }
        for name, operation in refused.items():
            with pytest.raises(OperationFailure) as failure:
                operation()
            assert failure.value.code == 13, name  # Unauthorized
        assert entries.count_documents({}) == 10
    finally:
        service.close()
