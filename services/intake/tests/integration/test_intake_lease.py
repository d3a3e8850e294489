"""The relay lease: one holder at a time, renewed by its holder without a write per round."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.lease import Lease
from closeloop_shared.mongo import Document, connect


@pytest.fixture
async def leases(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[AsyncCollection[Document]]:
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="intake-lease-test")
    yield client[unique_name("intake")]["leases"]
    await client.close()


async def test_one_holder_at_a_time_until_released(leases: AsyncCollection[Any]) -> None:
    first, second = Lease(leases, "relay", 60), Lease(leases, "relay", 60)
    assert await first.acquire()
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    assert not await first.acquire()


async def test_a_fresh_lease_is_not_rewritten_on_every_round(
    leases: AsyncCollection[Any],
) -> None:
    lease = Lease(leases, "relay", 60)
    assert await lease.acquire()
    written = await leases.find_one({"_id": "relay"})
    assert await lease.acquire() and await lease.acquire()
    assert await leases.find_one({"_id": "relay"}) == written


async def test_a_lease_past_a_third_of_its_time_is_renewed(
    leases: AsyncCollection[Any],
) -> None:
    lease = Lease(leases, "relay", 0.3)
    assert await lease.acquire()
    written = await leases.find_one({"_id": "relay"})
    await asyncio.sleep(0.15)
    assert await lease.acquire()
    renewed = await leases.find_one({"_id": "relay"})
    assert written is not None and renewed is not None
    assert renewed["expires_at"] > written["expires_at"]
