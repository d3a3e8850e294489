"""SIGKILL of the real worker process mid-run: after a restart every breach whose deadline
passed meanwhile fires at once, the others on time, none is lost and none gets a second
event id; SIGTERM stops the worker gracefully."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from closeloop_shared.events import sla

from .conftest import of_type, quick_policy, received, start_sla

pytestmark = pytest.mark.integration
CLOCKS = 40


async def test_killing_the_worker_mid_run_loses_no_breach_and_duplicates_none(
    kafka_bootstrap: str, mongo_uri: str, tmp_path: Path, publish: Any, clock_events: Any
) -> None:
    worker = await start_sla(kafka_bootstrap, mongo_uri, tmp_path)
    try:
        reply = await worker.add_policies(quick_policy("crash", "PT3S"))
        assert reply.status_code == 200, reply.text
        tag = uuid.uuid4().hex[:6]
        cids = [f"crash-{tag}-{n:02d}" for n in range(CLOCKS)]
        now = datetime.now(UTC)
        deadlines = {}
        for n, cid in enumerate(cids):  # deadlines 2 s .. 6 s from now, 0.1 s apart
            received_at = now - timedelta(seconds=1) + timedelta(seconds=n / 10)
            deadlines[cid] = received_at + timedelta(seconds=3)
            await publish(received(cid, received_at, "crash"))

        def breached(found: list[Any]) -> set[str]:
            return {e.subject for e, _ in of_type(found, "breached.v1")}

        await clock_events(set(cids), until=lambda f: len(breached(f)) >= 8)
        worker.process.kill()  # mid-run: some breached, some due while down, some later
        await asyncio.sleep(2)  # let deadlines pass while nothing runs
        await asyncio.to_thread(worker.process.start, 180)
        found = await clock_events(set(cids), until=lambda f: breached(f) >= set(cids))
        ids: dict[str, set[str]] = {}
        for event, _ in of_type(found, "breached.v1"):
            body = event.data
            assert isinstance(body, sla.ClockBreached)
            assert body.deadline == deadlines[event.subject]
            assert body.detected_at >= body.deadline  # never early, not even after a crash
            ids.setdefault(event.subject, set()).add(event.id)
        assert set(ids) == set(cids)  # none lost
        assert all(len(one) == 1 for one in ids.values())  # no clock got two distinct breaches
    finally:
        code = worker.process.stop(timeout=30)
    assert code == 0  # SIGTERM: a graceful stop
