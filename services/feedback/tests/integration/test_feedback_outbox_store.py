"""The notification outbox on the real database: a sender that dies mid-send loses its
lease and the notification is sent again by the next one, once; a stale sender cannot
overwrite the newer attempt's result."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.adapters.notification_store import (
    Attempt,
    NewNotification,
    NotificationStore,
)
from closeloop_shared.mongo import Document

pytestmark = pytest.mark.integration


def _notification(nid: str, now: datetime) -> NewNotification:
    return NewNotification(
        id=nid,
        complaint_id="cmp-1",
        trigger_id="evt-1",
        template="acknowledged",
        channel="email",
        language="en",
        params={},
        created_at=now,
    )


async def test_the_same_trigger_creates_one_notification(db: AsyncDatabase[Document]) -> None:
    store = NotificationStore(db)
    now = datetime.now(UTC)
    assert await store.create(_notification("n-1", now)) is True
    assert await store.create(_notification("n-1", now)) is False
    assert await store.count("pending") == 1


async def test_a_crashed_send_is_taken_over_once_its_lease_expires(
    db: AsyncDatabase[Document],
) -> None:
    store = NotificationStore(db)
    lease = timedelta(seconds=0.3)
    await store.create(_notification("n-2", datetime.now(UTC)))

    crashed = await store.claim_due(datetime.now(UTC), lease)
    assert crashed is not None and crashed["attempts"] == 1
    assert await store.claim_due(datetime.now(UTC), lease) is None  # still leased

    await asyncio.sleep(0.35)
    taken = await store.claim_due(datetime.now(UTC), lease)
    assert taken is not None and taken["attempts"] == 2

    late = Attempt(1, datetime.now(UTC), "sent")
    assert await store.finish("n-2", late, status="sent") is False  # the crashed sender's reply
    current = Attempt(2, datetime.now(UTC), "sent")
    assert await store.finish("n-2", current, status="sent") is True
    assert await store.claim_due(datetime.now(UTC) + timedelta(hours=1), lease) is None
    [doc] = await store.for_complaint("cmp-1")
    assert doc["status"] == "sent" and [a["attempt"] for a in doc["history"]] == [2]


async def test_retries_wait_for_their_backoff(db: AsyncDatabase[Document]) -> None:
    store = NotificationStore(db)
    now = datetime.now(UTC)
    await store.create(_notification("n-3", now))
    claimed = await store.claim_due(now, timedelta(seconds=60))
    assert claimed is not None
    retry_at = now + timedelta(seconds=30)
    attempt = Attempt(1, now, "retry", "SMTPConnectError")
    assert await store.finish("n-3", attempt, status="pending", next_attempt_at=retry_at)
    assert await store.claim_due(now + timedelta(seconds=29), timedelta(seconds=60)) is None
    again = await store.claim_due(now + timedelta(seconds=31), timedelta(seconds=60))
    assert again is not None and again["attempts"] == 2
