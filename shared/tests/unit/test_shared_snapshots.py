"""SnapshotMemo: fresh answers served, stale ones served while refreshed once, missing ones
computed once for every waiting caller, failures never stored."""

from __future__ import annotations

import asyncio

import pytest

from closeloop_shared.snapshots import SnapshotMemo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counting:
    """A computation that counts its runs and can be held open or made to fail."""

    def __init__(self) -> None:
        self.runs = 0
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return run


def memo(clock: Clock) -> SnapshotMemo[str, int]:
    return SnapshotMemo(fresh_s=10, stale_s=60, clock=clock)


async def test_a_fresh_snapshot_is_served_without_computing_again() -> None:
    clock, compute = Clock(), Counting()
    snapshots = memo(clock)
    first = await snapshots.get("k", compute)
    clock.now += 9.9
    again = await snapshots.get("k", compute)
    assert (first.value, again.value, compute.runs) == (1, 1, 1)
    assert again.age_s(clock.now) == pytest.approx(9.9)


async def test_a_stale_snapshot_is_served_at_once_and_refreshed_once_in_the_background() -> None:
    clock, compute = Clock(), Counting()
    snapshots = memo(clock)
    await snapshots.get("k", compute)
    clock.now += 30
    compute.gate = asyncio.Event()
    served = [await snapshots.get("k", compute) for _ in range(3)]
    assert [s.value for s in served] == [1, 1, 1]
    await asyncio.sleep(0)  # the refresh starts
    assert compute.runs == 2  # one refresh for three stale reads
    compute.gate.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert (await snapshots.get("k", compute)).value == 2


async def test_an_expired_snapshot_makes_the_caller_wait_for_a_new_one() -> None:
    clock, compute = Clock(), Counting()
    snapshots = memo(clock)
    await snapshots.get("k", compute)
    clock.now += 60
    assert (await snapshots.get("k", compute)).value == 2


async def test_concurrent_callers_of_a_missing_key_share_one_computation() -> None:
    clock, compute = Clock(), Counting()
    compute.gate = asyncio.Event()
    snapshots = memo(clock)
    waiting = [asyncio.create_task(snapshots.get("k", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    compute.gate.set()
    assert [s.value for s in await asyncio.gather(*waiting)] == [1] * 5
    assert compute.runs == 1


async def test_keys_are_separate() -> None:
    clock, compute = Clock(), Counting()
    snapshots = memo(clock)
    assert (await snapshots.get("a", compute)).value == 1
    assert (await snapshots.get("b", compute)).value == 2
    assert (await snapshots.get("a", compute)).value == 1


async def test_a_failure_reaches_its_callers_and_is_not_stored() -> None:
    clock, compute = Clock(), Counting()
    compute.fail = RuntimeError("database down")
    snapshots = memo(clock)
    with pytest.raises(RuntimeError, match="database down"):
        await snapshots.get("k", compute)
    compute.fail = None
    assert (await snapshots.get("k", compute)).value == 2


async def test_a_failed_background_refresh_keeps_the_stale_snapshot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, compute = Clock(), Counting()
    snapshots = memo(clock)
    await snapshots.get("k", compute)
    clock.now += 30
    compute.fail = RuntimeError("database down")
    assert (await snapshots.get("k", compute)).value == 1
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert (await snapshots.get("k", compute)).value == 1  # still the old one
    assert "snapshot refresh failed" in caplog.text


async def test_a_caller_giving_up_does_not_cancel_the_others_computation() -> None:
    clock, compute = Clock(), Counting()
    compute.gate = asyncio.Event()
    snapshots = memo(clock)
    impatient = asyncio.create_task(snapshots.get("k", compute))
    patient = asyncio.create_task(snapshots.get("k", compute))
    await asyncio.sleep(0)
    impatient.cancel()
    compute.gate.set()
    assert (await patient).value == 1
    assert compute.runs == 1


async def test_the_oldest_key_is_dropped_past_max_keys() -> None:
    clock, compute = Clock(), Counting()
    snapshots = SnapshotMemo[str, int](fresh_s=10, stale_s=60, max_keys=2, clock=clock)
    for key in ("a", "b", "c"):
        await snapshots.get(key, compute)
    assert (await snapshots.get("a", compute)).value == 4  # computed again
    assert (await snapshots.get("c", compute)).value == 3


def test_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="fresh_s"):
        SnapshotMemo[str, int](fresh_s=10, stale_s=5)
    with pytest.raises(ValueError, match="max_keys"):
        SnapshotMemo[str, int](fresh_s=1, stale_s=5, max_keys=0)
