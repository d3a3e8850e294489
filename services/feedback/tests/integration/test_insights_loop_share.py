"""Reports over many complaints leave the event loop free for the service's other answers:
the read model is fetched in bounded cursor batches (a batch is decoded in one go), and the
pure report computation runs in a worker thread (the console's complaint page waited behind
a report refresh, issue 18)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.domain.insights.daily import compute_daily_report
from closeloop_feedback.insights.daily_report import build_daily_report
from closeloop_feedback.insights.queries import FACT_BATCH, InsightReads
from closeloop_feedback.insights.read_model import COLLECTION
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.mongo import Document

pytestmark = pytest.mark.integration
COMPLAINTS = 1200
RECEIVED = datetime(2026, 12, 1, 9, tzinfo=UTC)


class _Batches(monitoring.CommandListener):
    """The batch size every getMore asked for."""

    def __init__(self) -> None:
        self.asked: list[int | None] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "getMore":
            self.asked.append(event.command.get("batchSize"))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[tuple[AsyncDatabase[Document], _Batches]]:
    batches = _Batches()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, tz_aware=True, event_listeners=[batches]
    )
    db = client[unique_name("insights")]
    await db[COLLECTION].insert_many(
        {"_id": f"CMP-{i:05d}", "received_at": RECEIVED, "department": "billing"}
        for i in range(COMPLAINTS)
    )
    yield db, batches
    await client.close()


async def test_the_read_model_comes_in_bounded_batches(
    watched: tuple[AsyncDatabase[Document], _Batches],
) -> None:
    db, batches = watched
    window = (RECEIVED - timedelta(days=1), RECEIVED + timedelta(days=1))
    listed = await InsightReads(db).active_between(*window)
    streamed = [f async for f in InsightReads(db).stream_received_between(*window)]
    assert len(listed) == len(streamed) == COMPLAINTS
    assert batches.asked and set(batches.asked) == {FACT_BATCH}


async def test_the_daily_report_is_computed_off_the_event_loop(
    watched: tuple[AsyncDatabase[Document], _Batches], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = watched
    threads: list[threading.Thread] = []

    def recording(inputs: Any) -> dict[str, Any]:
        threads.append(threading.current_thread())
        return compute_daily_report(inputs)

    monkeypatch.setattr("closeloop_feedback.insights.daily_report.compute_daily_report", recording)
    report = await build_daily_report(db, RECEIVED.date(), InsightsSettings())
    assert threads and threads[0] is not threading.main_thread()
    assert report["generated_at"]
