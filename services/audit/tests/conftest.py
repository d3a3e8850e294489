"""The audit tests' support module (``audit_support``) lives beside the tests, not in the
shipped package: this folder is put on ``sys.path`` (as the sla tests do), and the real
database every integration test appends to is a fixture here."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_audit.adapters.entry_store import INDEXES
from closeloop_shared.mongo import Document, connect, ensure_indexes

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
async def audit_db(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[AsyncDatabase[Document]]:
    """A fresh audit database with the service's indexes, in the real server."""
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="audit-test")
    db = client[unique_name("audit")]
    await ensure_indexes(db, INDEXES)
    yield db
    await client.close()
