"""The staff notification store against the real database: every recipient of an event is
inserted in one command, and a redelivered event inserts only what is missing."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.adapters.staff_notification_store import StaffNotificationStore
from closeloop_shared.mongo import Document

pytestmark = pytest.mark.integration


def _notice(recipient: str) -> Document:
    return {"_id": f"evt-1:staff:{recipient}", "recipient": recipient, "status": "pending"}


async def test_a_redelivered_event_inserts_only_the_missing_recipients(
    db: AsyncDatabase[Document],
) -> None:
    store = StaffNotificationStore(db)
    first = await store.add_all([_notice("li"), _notice("wang")])
    assert [doc["recipient"] for doc in first] == ["li", "wang"]

    again = await store.add_all([_notice("li"), _notice("wang"), _notice("zhao")])
    assert [doc["recipient"] for doc in again] == ["zhao"]
    assert await store.add_all([_notice("li")]) == []
    assert await store.add_all([]) == []
    stored = sorted([doc["_id"] async for doc in db.staff_notifications.find({})])
    assert stored == [f"evt-1:staff:{name}" for name in ("li", "wang", "zhao")]
