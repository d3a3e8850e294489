"""Scenario ``console_pages``: each console page's server time at 10,000 complaints (issue 18:
p99 ≤ 100 ms).

``10,000 × scale`` real complaints go in through intake's HTTP API (a few dozen clients in
parallel), routing assigns them, and the bench waits for every consumer group to catch up
so the pages have their data. Then each main page is requested back to back with an
``Authorization: Bearer`` admin token, and the client-side time of each answer (loopback,
so the console's server time plus one local round trip) is recorded.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx

from bench.drain import wait_drained
from bench.load import LoadResult, _post, complaint_body
from bench.stats import summary_ms
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings

FULL_SIZE = 10_000
SEED_CLIENTS = 32
SEED_ROUND_S = 600.0
SHED_PAUSE_S = 1.0  # intake's Retry-After while the pipeline is behind
SEED_LIMIT_S = 1800.0  # intake admits what the pipeline carries; 10,000 take minutes
TARGET_P99_MS = 100.0
Say = Callable[[str], None]


def pages(complaint_id: str, phone: str) -> dict[str, tuple[str, dict[str, str]]]:
    """The console's main pages: name → (path, query)."""
    return {
        "queue": ("/", {}),
        "team": ("/team", {}),
        "at_risk": ("/at-risk", {}),
        "complaint": (f"/complaints/{complaint_id}", {}),
        "lookup": ("/lookup", {"phone": phone}),
        "notifications": ("/notifications", {}),
        "reports": ("/reports", {}),
        "admin": ("/admin", {}),
    }


async def _post_all(
    url: str, token: str, indices: list[int], result: LoadResult, give_up_at: float
) -> list[int]:
    """Post complaints ``indices``, ``SEED_CLIENTS`` at a time, each shed one again after a
    pause; returns those still shed at ``give_up_at``."""
    todo, shed = iter(indices), []
    conn = aiohttp.TCPConnector(limit=SEED_CLIENTS)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(60)) as s:

        async def client() -> None:
            for i in todo:  # the clients share the iterator: each complaint is sent once
                # shed (the pipeline is behind): pause as Retry-After asks, then again
                while await _post(s, url, token, i, result, None) == 429:
                    if time.perf_counter() > give_up_at:
                        shed.append(i)
                        break
                    await asyncio.sleep(SHED_PAUSE_S)

        await asyncio.gather(*(client() for _ in range(SEED_CLIENTS)))
    return shed


async def _seed(intake_url: str, token: str, total: int, bootstrap: str, say: Say) -> LoadResult:
    """``total`` complaints through intake's API, ``SEED_CLIENTS`` at a time. Those intake
    sheds (429: the pipeline is behind) are sent again once the consumers have caught up,
    as a client honouring ``Retry-After`` would."""
    result = LoadResult(target_rate=None, seconds=0.0)
    url = f"{intake_url}/v1/complaints"
    pending = list(range(total))
    started = time.perf_counter()
    while pending and time.perf_counter() - started < SEED_LIMIT_S:
        round_ends = time.perf_counter() + SEED_ROUND_S
        pending = await _post_all(url, token, pending, result, round_ends)
        if pending:
            created = len(result.created)
            say(f"[console_pages] {created:,} in, intake shed {len(pending):,}; again once drained")
            await wait_drained(bootstrap, timeout_s=300, say=say)
    result.seconds = time.perf_counter() - started
    return result


async def _measure(console_url: str, token: str, targets: dict[str, Any], requests: int) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=console_url, timeout=30, headers=headers) as client:
        for name, (path, params) in targets.items():
            samples: list[float] = []
            statuses: dict[str, int] = {}
            size = 0
            for _ in range(requests):
                started = time.perf_counter()
                reply = await client.get(path, params=params)
                samples.append(time.perf_counter() - started)
                statuses[str(reply.status_code)] = statuses.get(str(reply.status_code), 0) + 1
                size = len(reply.content)
            if set(statuses) != {"200"}:
                raise RuntimeError(f"console page {path} answered {statuses}")
            stats = summary_ms(samples)
            out[name] = {
                **stats,
                "path": path,
                "bytes": size,
                "p99_within_target": (stats["p99_ms"] <= TARGET_P99_MS),
            }
        # The console's cheapest answer, as the noise floor of this machine right now.
        floor: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            floor.append(time.perf_counter() - started)
    out["healthz_floor"] = summary_ms(floor)
    return out


async def _upstreams(
    services: dict[str, str], token: str, complaint_id: str, requests: int
) -> dict[str, Any]:
    """Each service answer the complaint page needs, timed alone (same token)."""
    calls = {
        "intake_complaint": ("intake", f"/v1/complaints/{complaint_id}"),
        "intake_timeline": ("intake", f"/v1/complaints/{complaint_id}/timeline"),
        "sla_clocks": ("sla", f"/v1/sla/complaints/{complaint_id}"),
        "feedback_notifications": ("feedback", f"/v1/complaints/{complaint_id}/notifications"),
        "feedback_surveys": ("feedback", f"/v1/complaints/{complaint_id}/surveys"),
    }
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        for name, (service, path) in calls.items():
            samples: list[float] = []
            statuses: dict[str, int] = {}
            for _ in range(requests):
                started = time.perf_counter()
                status = (await client.get(services[service] + path)).status_code
                samples.append(time.perf_counter() - started)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            # a 429 is the API's rate limit per subject, not a page failure: recorded, not fatal
            out[name] = {**summary_ms(samples), "statuses": statuses}
    return out


async def _run(
    intake_url: str,
    console_url: str,
    bootstrap: str,
    scale: float,
    say: Say,
    requests: int,
    services: dict[str, str] | None = None,
) -> dict[str, Any]:
    settings = ServiceSettings()
    total = max(10, round(FULL_SIZE * scale))
    channel = issue_dev_token(settings, role=Role.channel, sub="bench")
    say(f"[console_pages] seeding {total:,} complaints through intake")
    # an earlier scenario's backlog would make intake shed the seeding (and slow the pages)
    await wait_drained(bootstrap, timeout_s=600, say=say)
    seeded = await _seed(intake_url, channel, total, bootstrap, say)
    if len(seeded.created) != total:
        raise RuntimeError(f"intake created {len(seeded.created)} of {total} ({seeded.statuses})")
    say(f"[console_pages] {total:,} created in {seeded.seconds:.0f} s; waiting for consumers")
    drained_s, behind = await wait_drained(bootstrap, timeout_s=900, say=say)
    middle = len(seeded.created) // 2
    complaint_id = seeded.created[middle][0]
    # complaint 0 always exists: its caller is the one looked up
    phone = str(complaint_body(0)["customer"]["phone"])
    admin = issue_dev_token(settings, role=Role.admin, sub="bench-admin")
    say(f"[console_pages] measuring {requests} requests per page")
    latency = await _measure(console_url, admin, pages(complaint_id, phone), requests)
    # What the complaint page waits for (it asks these together): each one alone.
    # a subject of its own: the page loads above spent bench-admin's rate-limit bucket
    direct = issue_dev_token(settings, role=Role.admin, sub="bench-upstreams")
    behind_complaint = (
        await _upstreams(services, direct, complaint_id, requests) if services else {}
    )
    worst = max(v["p99_ms"] for k, v in latency.items() if k != "healthz_floor")
    result = {
        "complaints": total,
        "seed_seconds": round(seeded.seconds, 1),
        "backlog_wait_s": round(drained_s, 1),
        "records_behind_at_start": behind,
        "host_load_average_1m": round(os.getloadavg()[0], 2),
        "requests_per_page": requests,
        "pages": latency,
        "complaint_upstreams": behind_complaint,
        "worst_p99_ms": worst,
        "targets": {"p99_le_100ms": worst <= TARGET_P99_MS},
    }
    say(f"[console_pages] worst p99 {worst} ms: {latency}")
    return result


def run(
    intake_url: str,
    console_url: str,
    bootstrap: str,
    *,
    scale: float = 1.0,
    say: Say = print,
    requests: int = 200,
    services: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run the scenario against a running stack; returns a JSON-able dict of results.
    ``services`` (name → base URL) adds the complaint page's upstreams timed alone."""
    per_page = max(10, round(requests * min(1.0, scale * 10)))
    return asyncio.run(_run(intake_url, console_url, bootstrap, scale, say, per_page, services))
