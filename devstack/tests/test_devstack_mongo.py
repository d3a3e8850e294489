"""SecantusDB as the tests' MongoDB: ping, insert/find, data kept across restarts and kill -9."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pymongo import MongoClient, WriteConcern

from closeloop_devstack.mongo import MongoServer

pytestmark = pytest.mark.integration

Doc = dict[str, object]


def _client(uri: str) -> MongoClient[Doc]:
    return MongoClient(uri, serverSelectionTimeoutMS=5000)


def test_devstack_mongo_answers_ping_and_finds_inserted_documents(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> None:
    with _client(mongo_uri) as client:
        assert client.admin.command("ping")["ok"] == 1
        coll = client[unique_name("db")]["complaints"]
        coll.insert_many([{"_id": i, "severity": "high" if i % 2 else "low"} for i in range(10)])
        highs = sorted(doc["_id"] for doc in coll.find({"severity": "high"}))  # type: ignore[type-var]
        assert highs == [1, 3, 5, 7, 9]


def test_devstack_mongo_keeps_data_across_graceful_restart_and_kill(
    mongo_server_factory: Callable[[], MongoServer], unique_name: Callable[[str], str]
) -> None:
    server = mongo_server_factory()
    db = unique_name("db")
    with _client(server.uri) as client:
        client[db]["c"].insert_one({"_id": "before-restart"})
    server.restart()
    with _client(server.uri) as client:
        # SecantusDB flushes its WiredTiger log lazily (like mongod's journal): only j=True
        # writes are certain to survive a kill -9 that follows them at once.
        journaled = client[db].get_collection("c", write_concern=WriteConcern(w=1, j=True))
        journaled.insert_one({"_id": "before-kill"})
    server.kill()
    assert not server.is_running()
    server.start()
    with _client(server.uri) as client:
        ids = sorted(str(doc["_id"]) for doc in client[db]["c"].find())
    assert ids == ["before-kill", "before-restart"]
