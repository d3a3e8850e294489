"""Reading the whole audit log with the synchronous driver, for verification and export.

Verification is CPU-bound and streams every entry once, so it runs in a worker thread (or
the CLI) with a plain ``MongoClient`` rather than on the service's event loop. Checkpoints
are read before the entries: each one was stored after the entries it covers, so a log
growing during the read can never look shorter than a checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pymongo import ASCENDING, MongoClient

from closeloop_audit.adapters.checkpoint_store import CHECKPOINTS
from closeloop_audit.adapters.entry_store import ENTRIES
from closeloop_audit.domain.checkpoint import Checkpoint

Client = MongoClient[dict[str, Any]]


def open_client(uri: str, *, timeout_ms: int = 5000) -> Client:
    """A synchronous client with bounded server-selection time."""
    return MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=timeout_ms)


class LogReader:
    """Streams the entries and checkpoints of one audit database."""

    def __init__(self, client: Client, db_name: str) -> None:
        self._db = client[db_name]

    def checkpoints(self, *, from_size: int = 0) -> list[Checkpoint]:
        """Every checkpoint of ``from_size`` entries or more, oldest first."""
        cursor = self._db[CHECKPOINTS].find({"_id": {"$gte": from_size}}, sort=[("_id", ASCENDING)])
        return [Checkpoint.from_dict(doc) for doc in cursor]

    def entries(self, *, after: int = 0, batch_size: int = 10_000) -> Iterator[dict[str, Any]]:
        """Every entry after seq ``after`` as stored, ascending by seq, without the sealed
        payloads."""
        cursor = self._db[ENTRIES].find(
            {"_id": {"$gt": after}},
            {"payload_sealed": 0},
            sort=[("_id", ASCENDING)],
            batch_size=batch_size,
        )
        yield from cursor

    def count(self) -> int:
        """Number of stored entries."""
        return self._db[ENTRIES].estimated_document_count()
