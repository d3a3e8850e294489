"""An HTTP load generator for complaint creation (aiohttp, loopback only, bounded in count
and time). Open-loop at a fixed rate, or closed-loop with N concurrent clients."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

MAX_IN_FLIGHT = 512


def complaint_body(i: int) -> dict[str, Any]:
    """A realistic, valid complaint (every request a different customer)."""
    return {
        "channel": "web",
        "kind": "complaint",
        "customer": {
            "name": f"客户{i}",
            "phone": f"+86138{i % 100_000_000:08d}",
            "email": f"c{i}@example.com",
            "tier": "gold" if i % 5 == 0 else None,
        },
        "description": f"账单重复扣费两次，订单号 {i}",
        "demand": "退还重复扣款",
        "category": "billing",
        "received_by": f"agent-{i % 20:03d}",
    }


@dataclass
class LoadResult:
    """Latencies and outcomes of one load step."""

    target_rate: float | None
    seconds: float
    latencies: list[float] = field(default_factory=list)
    created: list[tuple[str, float]] = field(default_factory=list)  # (complaint id, t_created)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    i: int,
    result: LoadResult,
    on_created: Callable[[str, float], None] | None,
) -> int:
    """Post complaint ``i``; returns the HTTP status (0 when no answer came)."""
    started = time.perf_counter()
    try:
        async with session.post(
            url,
            json=complaint_body(i),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        ) as resp:
            body = await resp.json(content_type=None)
            done = time.perf_counter()
            result.statuses[resp.status] = result.statuses.get(resp.status, 0) + 1
            if resp.status == 201:
                result.latencies.append(done - started)
                result.created.append((str(body["id"]), done))
                if on_created:
                    on_created(str(body["id"]), done)
            else:
                result.errors += 1
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        result.errors += 1
        return 0


async def open_loop(
    base_url: str,
    token: str,
    *,
    rate: float,
    seconds: float,
    on_created: Callable[[str, float], None] | None = None,
) -> LoadResult:
    """Send ``rate`` requests/s for ``seconds`` regardless of responses (bounded in-flight)."""
    result = LoadResult(target_rate=rate, seconds=seconds)
    url = f"{base_url}/v1/complaints"
    conn = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(30)) as s:
        tasks: set[asyncio.Task[int]] = set()
        total = int(rate * seconds)
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= MAX_IN_FLIGHT:
                result.errors += 1  # the server is this far behind: count as a failure
                continue
            task = asyncio.create_task(_post(s, url, token, i, result, on_created))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        result.seconds = max(seconds, time.perf_counter() - start)
    return result


async def closed_loop(base_url: str, token: str, *, clients: int, seconds: float) -> LoadResult:
    """``clients`` concurrent clients each sending back-to-back for ``seconds``."""
    result = LoadResult(target_rate=None, seconds=seconds)
    url = f"{base_url}/v1/complaints"
    counter = iter(range(10**9))
    conn = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(30)) as s:
        stop_at = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < stop_at:
                await _post(s, url, token, next(counter), result, None)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - start
    return result
