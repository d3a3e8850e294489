"""Intake's own share of the backlog against the real database: complaints whose events wait
in the outbox are counted, published ones are not, and the count stops at its cap."""

from __future__ import annotations

import uuid

import pytest

from closeloop_intake.adapters.unpublished import UnpublishedComplaints
from closeloop_shared.mongo import connect

pytestmark = pytest.mark.integration


async def test_counts_complaints_with_pending_events_up_to_the_cap(mongo_uri: str) -> None:
    client = connect(mongo_uri, app_name="test-unpublished")
    collection = client[f"t_unpublished_{uuid.uuid4().hex[:8]}"]["complaints"]
    try:
        pending = [{"_id": f"c{i}", "outbox": [{"id": f"e{i}"}]} for i in range(5)]
        published = [{"_id": f"p{i}", "outbox": []} for i in range(7)]
        await collection.insert_many([*pending, *published, {"_id": "old"}])
        unpublished = UnpublishedComplaints(collection, cap=100, interval_s=1)
        assert unpublished.behind is None  # nothing read yet: unknown, not zero
        assert await unpublished.read() == 5
        assert unpublished.behind == 5
        assert await UnpublishedComplaints(collection, cap=3, interval_s=1).read() == 3
    finally:
        await client.drop_database(collection.database.name)
        await client.close()
