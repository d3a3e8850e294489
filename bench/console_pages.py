"""Scenario ``console_pages``: each console page's server time at 10,000 complaints (issue 18:
p99 ≤ 100 ms).

``10,000 × scale`` real complaints go in through intake's HTTP API (a few dozen clients in
parallel), routing assigns them, and the bench waits for every consumer group to catch up
so the pages have their data, and for the machine to settle (the 1-minute load average
lags the seeding by a minute or two). Then the main pages are requested in turns (one of
each page, then again) with an ``Authorization: Bearer`` admin token, so a passing burst
of noise falls on every page alike instead of on whichever page came first, and the
client-side time of each answer (loopback, so the console's server time plus one local
round trip) is recorded. The requests are paced like a busy person clicking, not a
script: the services' per-subject rate limit would otherwise refuse some of the calls a
page fans out, and a page missing a section renders faster than a whole one. The
services' own 429 counters are read before and after, and any refusal voids the target.
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
# ≤ 10 pages a second: the complaint page asks five services at once, so this stays far
# under the per-subject limit (100/s) of every service.
PAGE_PACE_S = 0.1
UPSTREAM_PACE_S = 0.02  # the complaint page's upstreams alone: ≤ 50 calls a second
SETTLE_LOAD = 1.0  # 1-minute load average per core accepted as "settled"
SETTLE_LIMIT_S = 180.0
PROGRESS_S = 60.0
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


async def _progress(result: LoadResult, total: int, started: float, say: Say) -> None:
    """A line a minute while seeding: intake admits only what the pipeline carries."""
    while True:
        await asyncio.sleep(PROGRESS_S)
        done, took = len(result.created), time.perf_counter() - started
        say(f"[console_pages] {done:,} of {total:,} created in {took:.0f} s")


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
        progress = asyncio.create_task(_progress(result, total, started, say))
        try:
            pending = await _post_all(url, token, pending, result, round_ends)
        finally:
            progress.cancel()
        if pending:
            created = len(result.created)
            say(f"[console_pages] {created:,} in, intake shed {len(pending):,}; again once drained")
            await wait_drained(bootstrap, timeout_s=300, say=say)
    result.seconds = time.perf_counter() - started
    return result


async def _measure(console_url: str, token: str, targets: dict[str, Any], requests: int) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    samples: dict[str, list[float]] = {name: [] for name in targets}
    statuses: dict[str, dict[str, int]] = {name: {} for name in targets}
    sizes: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=console_url, timeout=30, headers=headers) as client:
        # One unrecorded turn first: the first answer of a page compiles its template and
        # fills the console's caches (the services' published capabilities), once per process.
        for path, params in targets.values():
            await client.get(path, params=params)
        for _ in range(requests):
            for name, (path, params) in targets.items():
                started = time.perf_counter()
                reply = await client.get(path, params=params)
                took = time.perf_counter() - started
                samples[name].append(took)
                code = str(reply.status_code)
                statuses[name][code] = statuses[name].get(code, 0) + 1
                sizes[name] = len(reply.content)
                await asyncio.sleep(max(0.0, PAGE_PACE_S - took))
        # The console's cheapest answer, as the noise floor of this machine right now.
        floor: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            floor.append(time.perf_counter() - started)
    out: dict[str, Any] = {}
    for name, (path, _) in targets.items():
        if set(statuses[name]) != {"200"}:
            raise RuntimeError(f"console page {path} answered {statuses[name]}")
        stats = summary_ms(samples[name])
        out[name] = {
            **stats,
            "path": path,
            "bytes": sizes[name],
            "p99_within_target": (stats["p99_ms"] <= TARGET_P99_MS),
        }
    out["healthz_floor"] = summary_ms(floor)
    return out


async def _refused(services: dict[str, str]) -> int:
    """429s the services have answered to reads so far (their request counters)."""
    total = 0
    async with httpx.AsyncClient(timeout=10) as client:
        for url in services.values():
            text = (await client.get(f"{url}/metrics")).text
            for line in text.splitlines():
                if line.startswith("closeloop_http_requests_total{") and (
                    'status="429"' in line and 'method="GET"' in line
                ):
                    total += round(float(line.rsplit(" ", 1)[1]))
    return total


async def _settle(limit_s: float, say: Say) -> float:
    """Wait (up to ``limit_s``) for the 1-minute load average to fall to ``SETTLE_LOAD``
    per core; returns the load average reached."""
    deadline = time.monotonic() + limit_s
    ceiling = SETTLE_LOAD * (os.cpu_count() or 1)
    while True:
        if os.getloadavg()[0] <= ceiling or time.monotonic() >= deadline:
            break
        await asyncio.sleep(5)
    load = os.getloadavg()[0]
    say(f"[console_pages] load average {load:.2f} (settled at <= {ceiling:.1f})")
    return load


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
                took = time.perf_counter() - started
                samples.append(took)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                await asyncio.sleep(max(0.0, UPSTREAM_PACE_S - took))
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
    settled_load = await _settle(SETTLE_LIMIT_S * min(1.0, scale), say)
    say(f"[console_pages] measuring {requests} requests per page, the pages in turns")
    refused_before = await _refused(services) if services else 0
    latency = await _measure(console_url, admin, pages(complaint_id, phone), requests)
    refused = (await _refused(services) - refused_before) if services else 0
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
        "host_load_average_1m": round(settled_load, 2),
        "requests_per_page": requests,
        "page_pace_s": PAGE_PACE_S,
        "upstream_reads_refused_429": refused,
        "pages": latency,
        "complaint_upstreams": behind_complaint,
        "worst_p99_ms": worst,
        # a page whose upstream was refused is missing a section (and faster): no figure
        "targets": {"p99_le_100ms": worst <= TARGET_P99_MS and refused == 0},
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
