"""The local database keeps every acknowledged write when it is SIGKILLed mid-stream.

Writers insert with ``j:true`` as fast as the server takes them; the server is killed while
they write; after a restart every insert that was acknowledged must be there. The Rust
server without ``--sync-on-commit`` lost 64-158 acknowledged writes in this test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from pymongo import MongoClient, WriteConcern
from pymongo.errors import PyMongoError

from closeloop_devstack.mongo import MongoServer

pytestmark = pytest.mark.integration

WRITERS = 4
Doc = dict[str, object]


def _write_until_refused(
    uri: str, db: str, writer: int, acked: list[str], go: threading.Event
) -> None:
    client: MongoClient[Doc] = MongoClient(
        uri, serverSelectionTimeoutMS=1000, socketTimeoutMS=2000, retryWrites=False
    )
    coll = client[db].get_collection("c", write_concern=WriteConcern(w=1, j=True))
    go.wait()
    try:
        for n in range(1_000_000):
            key = f"w{writer}-{n}"
            try:
                coll.insert_one({"_id": key, "body": "x" * 200})
            except PyMongoError:
                return  # the server is gone: this write was never acknowledged
            acked.append(key)
    finally:
        client.close()


def test_every_acknowledged_write_survives_sigkill_mid_stream(
    mongo_server_factory: Callable[[], MongoServer], unique_name: Callable[[str], str]
) -> None:
    server = mongo_server_factory()
    assert server.sync_on_commit
    db = unique_name("db")
    acked: list[list[str]] = [[] for _ in range(WRITERS)]
    go = threading.Event()
    threads = [
        threading.Thread(target=_write_until_refused, args=(server.uri, db, i, acked[i], go))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    go.set()
    deadline = time.monotonic() + 60
    while sum(map(len, acked)) < 2_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL while every writer is mid-stream
    for thread in threads:
        thread.join(timeout=30)
    written = {key for keys in acked for key in keys}
    assert len(written) >= 2_000, "the writers did not get going before the kill"

    server.start()
    reader: MongoClient[Doc] = MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    with reader:
        stored = {str(doc["_id"]) for doc in reader[db]["c"].find({}, {"_id": 1})}
    lost = written - stored
    assert not lost, (
        f"{len(lost)} of {len(written)} acknowledged writes lost, e.g. {sorted(lost)[:5]}"
    )
