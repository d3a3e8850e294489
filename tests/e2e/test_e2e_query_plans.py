"""Every database command the services send on a complaint's hot path seeks, at 100,000
complaints: none examines more than a page's worth of keys or documents.

A stack of its own (the seeding would disturb the shared one): complaints live their whole
life (created, routed, armed, acknowledged, paused, resolved, surveyed, reopened, closed,
archived) once to learn each service's documents; each document of those complaints is
cloned to ``SEEDED`` complaints; then the same life runs again with the profiler on, and
every captured command is explained: MongoDB's plan for it must seek.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_env import E2E, Role, auth, record_figures
from pymongo import MongoClient
from test_e2e_lifecycle import create_by_api, live_through

from bench.fault_stack import start_stack
from bench.query_plans import (
    Examined,
    captured_commands,
    commands_per_db,
    explain_each_shape,
    seed_clones,
    set_profiling,
)

pytestmark = pytest.mark.e2e

SEEDED = 100_000
DBS = ("closeloop_intake", "closeloop_routing", "closeloop_feedback", "closeloop_audit")
# Audit's entries form a hash chain ordered by sequence number; clones would break it.
# Its queries are still explained, on the entries the two lives wrote.
SEEDED_DBS = ("closeloop_intake", "closeloop_routing", "closeloop_feedback")
SUPERVISOR = auth(Role.supervisor, sub="plans-supervisor")


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    stack = start_stack(tmp_path_factory.mktemp("plans-stack"), say=lambda t: print(f"[plans] {t}"))
    try:
        yield E2E(stack)
    finally:
        stack.stop()


async def _lives(env: E2E, count: int) -> list[str]:
    """``count`` complaints, each through its whole life, at once; their ids."""
    async with httpx.AsyncClient(timeout=30) as client:
        people = []
        for _ in range(count):
            tag = uuid.uuid4().hex[:8]
            people.append(
                {
                    "name": f"张伟{tag}",
                    "phone": f"+86138{uuid.uuid4().int % 10**8:08d}",
                    "email": f"p.{tag}@example.com",
                }
            )
        ids = [await create_by_api(client, env, person) for person in people]
        await asyncio.gather(
            *(
                live_through(client, env, cid, p["email"])
                for cid, p in zip(ids, people, strict=True)
            )
        )
        for path in (
            "/v1/complaints",
            "/v1/complaints?status=archived",
            "/v1/complaints?department=billing",
        ):
            reply = await client.get(env.url("intake", path), headers=SUPERVISOR)
            assert reply.status_code == 200, reply.text
    return ids


def _say(text: str) -> None:
    print(f"[plans] {text}", flush=True)


def _seed(mongo: MongoClient[dict[str, Any]], complaint_id: str) -> dict[str, int]:
    """Clone every document of ``complaint_id`` in the seeded databases ``SEEDED`` times."""
    seeded = {}
    for db in SEEDED_DBS:
        for name in mongo[db].list_collection_names():
            if name.startswith("system."):
                continue
            coll = mongo[db][name]
            template = coll.find_one(
                {"$or": [{"_id": complaint_id}, {"complaint_id": complaint_id}]}
            )
            if template is None:
                continue
            overrides: dict[str, Any] = {"outbox": []} if "outbox" in template else {}
            seeded[f"{db}.{name}"] = seed_clones(
                mongo, db, name, template, complaint_id, SEEDED, overrides=overrides, say=_say
            )
    return seeded


def _describe(found: list[Examined]) -> str:
    return "\n".join(f"  {e.describe()}" for e in found)


def test_no_hot_path_command_scans_at_100000_complaints(own_stack: E2E) -> None:
    mongo: MongoClient[dict[str, Any]] = MongoClient(
        f"mongodb://127.0.0.1:{own_stack.stack.config.mongo_port}/?retryWrites=false"
    )
    try:
        started = time.monotonic()
        first = asyncio.run(_lives(own_stack, 1))
        print(f"[plans] first life in {time.monotonic() - started:.0f} s", flush=True)
        seeded = _seed(mongo, first[0])
        print(f"[plans] seeded {seeded} at {time.monotonic() - started:.0f} s", flush=True)
        assert seeded.get("closeloop_intake.complaints") == SEEDED, seeded

        set_profiling(mongo, DBS, 2)
        lives = 2
        failed: BaseException | None = None
        try:
            asyncio.run(_lives(own_stack, lives))
        except (AssertionError, httpx.HTTPError) as exc:  # explain what was slow, then fail
            failed = exc
        set_profiling(mongo, DBS, 0)
        print(f"[plans] profiled lives done at {time.monotonic() - started:.0f} s", flush=True)

        captured = captured_commands(mongo, DBS)
        assert len(captured) > 50, "the profiler recorded too little to judge"
        per_complaint = {
            db.removeprefix("closeloop_"): round(n / lives, 1)
            for db, n in commands_per_db(mongo, DBS).items()
        }
        examined = explain_each_shape(mongo, captured)
        scans = [e for e in examined if e.scans]
        record_figures(
            plans_seeded_collections=len(seeded),
            plans_shapes_explained=len(examined),
            plans_commands_per_complaint=per_complaint,
        )
        print(f"[plans] every plan:\n{_describe(examined)}", flush=True)
        assert not scans, f"commands that scan at {SEEDED} complaints:\n{_describe(scans)}"
        if failed is not None:
            raise failed
    finally:
        mongo.close()
