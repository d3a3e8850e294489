"""Intake with its database server SIGKILLed: every request gets 503 with ``Retry-After``
and an honest message as soon as the server is known to be down (not after the 5 s
server-selection timeout; a request under way is answered at that moment), and a retry
with the same Idempotency-Key after the server is back gives one complaint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from closeloop_devstack.mongo import MongoServer
from closeloop_shared.auth import Role

from .conftest import intake_settings, start_intake
from .test_intake_api_flow import new_body

pytestmark = pytest.mark.integration
SELECTION_TIMEOUT_S = 5.0  # closeloop_shared.mongo.connect's serverSelectionTimeoutMS


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_a_crashed_database_gives_503_with_retry_after_at_once(
    kafka_bootstrap: str, mongo_server_factory: Callable[[], MongoServer]
) -> None:
    server = mongo_server_factory()
    settings = intake_settings(kafka_bootstrap, server.uri)
    async with asynccontextmanager(start_intake)(settings) as intake:
        agent = intake.token(Role.agent, "agent-007")
        body = new_body()

        async def create(key: str) -> httpx.Response:
            headers: dict[str, Any] = agent | {"Idempotency-Key": key}
            r: httpx.Response = await intake.client.post(
                "/v1/complaints", json=body, headers=headers
            )
            return r

        assert (await create("before")).status_code == 201
        server.kill()
        started = time.monotonic()
        in_flight = await create("retried")  # meets the crash on its way
        in_flight_s = time.monotonic() - started
        state = intake.runtime.database_state
        killed_at = time.monotonic()
        await _until(lambda: state.down)
        known_after = time.monotonic() - killed_at

        started = time.monotonic()
        write = await create("retried")
        write_s = time.monotonic() - started
        started = time.monotonic()
        read = await intake.client.get("/v1/complaints", headers=agent)
        read_s = time.monotonic() - started
        ready = await intake.client.get("/readyz")

        server.start()
        await _until(lambda: not state.down)
        after = await create("retried")
        again = await create("retried")

    assert in_flight.status_code == 503, in_flight.text
    assert in_flight.headers["Retry-After"] == str(settings.database_retry_after_s)
    assert "may or may not have been applied" in in_flight.text
    assert "same Idempotency-Key" in in_flight.text
    for refused in (write, read):
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == str(settings.database_retry_after_s)
        assert "database is unavailable" in refused.text and "not applied" in refused.text
    # Answered well within the selection timeout (measured: 1-35 ms), not after it.
    timings = (in_flight_s, write_s, read_s, known_after)
    assert max(in_flight_s, write_s, read_s) < SELECTION_TIMEOUT_S / 2.5, timings
    assert ready.status_code == 503 and ready.json()["checks"]["mongo"] is False
    assert after.status_code == 201 and again.json()["id"] == after.json()["id"]
