"""Query plans of the services' hot-path queries on a seeded scratch database (issue 19).

Each hot-path query shape is built with the services' own query code and indexes, explained
on the real server and timed. ``tests/perf/test_query_plans.py`` asserts that no plan reads
the whole collection; ``python -m bench --only query_plans`` reports plans and times at
100,000 complaints. Documents are minimal and inserted with ``insert_many`` straight into a
scratch database: the plan depends on the filter, the sort and the indexes, not on the rest
of a complaint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from closeloop_intake.adapters import repository
from closeloop_intake.adapters.complaint_queries import (
    SORTS,
    ComplaintFilter,
    complaint_query,
    index_hint,
)
from closeloop_routing.adapters import routing_store
from closeloop_routing.domain.ownership import Placement
from closeloop_shared.mongo import PENDING_EVENTS, IndexSpec

Doc = dict[str, Any]
FULL_SCALE = 100_000
DEPARTMENTS = 10
# Stages that read every document of the collection (MongoDB's name; SecantusDB reports the
# same stage names in ``explain``).
FULL_SCANS = frozenset({"COLLSCAN"})
_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_BATCH = 5_000


def _complaint(i: int) -> Doc:
    return {
        "_id": f"c{i:07d}",
        "received_at": _T0 + timedelta(seconds=i),
        "due_at": _T0 + timedelta(seconds=i, hours=24),
        "severity_rank": i % 4,
        "department": f"d{i % DEPARTMENTS}",
        "assignee": f"a{i % 50}",
        "status": ("new", "assigned", "resolved", "closed")[i % 4],
        "channel": "web",
        "kind": "complaint",
    }


def _routing(i: int) -> Doc:
    placement = (Placement.QUEUED, Placement.ASSIGNED, Placement.DONE)[i % 3]
    return {
        "_id": f"c{i:07d}",
        "department": f"d{i % DEPARTMENTS}",
        "placement": placement.value,
        "enqueued_at": _T0 + timedelta(seconds=i),
    }


SEEDS: dict[str, tuple[Callable[[int], Doc], list[IndexSpec]]] = {
    "intake": (_complaint, repository.INDEXES),
    "routing": (_routing, routing_store.INDEXES),
}


def seed(client: MongoClient[Doc], prefix: str, n: int) -> dict[str, Database[Doc]]:
    """One scratch database per service with its declared indexes and ``n`` documents."""
    dbs = {}
    for service, (make, specs) in SEEDS.items():
        db = client[f"{prefix}_{service}"]
        for spec in specs:
            db[spec.collection].create_indexes([spec.model()])
        coll = db[specs[0].collection]
        for start in range(0, n, _BATCH):
            coll.insert_many([make(i) for i in range(start, min(n, start + _BATCH))])
        dbs[service] = db
    return dbs


def _page(flt: ComplaintFilter, sort: str) -> Doc:
    """A first page of ``GET /v1/complaints`` as ``search_complaints`` sends it."""
    cmd: Doc = {
        "find": repository.COLLECTION,
        "filter": complaint_query(flt),
        "sort": dict(SORTS[sort]),
        "projection": repository.HEAVY_FIELDS,
        "limit": 51,
    }
    hint = index_hint(flt, sort)
    if hint:
        cmd["hint"] = dict(hint)
    return cmd


def hot_queries() -> Iterator[tuple[str, str, Doc]]:
    """(name, service, command) of every hot-path query shape inventoried for issue 19."""
    queued = Placement.QUEUED.value
    coll = repository.COLLECTION
    yield "intake list newest", "intake", _page(ComplaintFilter(), "-received_at")
    yield (
        "intake list by department",
        "intake",
        _page(ComplaintFilter(department="d3"), "-received_at"),
    )
    yield "intake list by status", "intake", _page(ComplaintFilter(status="new"), "-received_at")
    yield (
        "intake list scoped",
        "intake",
        _page(ComplaintFilter(scope=frozenset({"d1", "d2"})), "-received_at"),
    )
    yield (
        "intake worklist by deadline",
        "intake",
        _page(ComplaintFilter(department="d3"), "deadline"),
    )
    yield (
        "intake my worklist by severity",
        "intake",
        _page(ComplaintFilter(assignee="a7"), "severity"),
    )
    yield "intake status gauge", "intake", {"count": coll, "query": {"status": "new"}}
    yield "intake pending outbox", "intake", {"find": coll, "filter": PENDING_EVENTS, "limit": 100}
    rcoll = routing_store.COLLECTION
    yield "routing queued count", "routing", {"count": rcoll, "query": {"placement": queued}}
    yield (
        "routing departments with queue",
        "routing",
        {
            "distinct": rcoll,
            "key": "department",
            "query": {"placement": queued},
        },
    )
    yield (
        "routing open count",
        "routing",
        {"count": rcoll, "query": routing_store.open_filter("d3")},
    )
    yield (
        "routing queue",
        "routing",
        {
            "find": rcoll,
            "filter": {"department": "d3", "placement": queued},
            "sort": {"enqueued_at": 1},
            "limit": 500,
        },
    )
    yield (
        "routing stale outboxes",
        "routing",
        {
            "find": rcoll,
            "filter": {"outbox.at": {"$lt": _T0}},
            "limit": 100,
        },
    )


def stages(plan: Doc) -> list[str]:
    """The stage names of a winning plan, outermost first, depth first through merges
    (``IXSCAN(name)`` for an index)."""
    name = str(plan.get("stage"))
    found = [f"{name}({plan['indexName']})" if "indexName" in plan else name]
    children = plan.get("inputStages") or ([plan["inputStage"]] if "inputStage" in plan else [])
    for child in children:
        found += stages(child)
    return found


def explain(db: Database[Doc], command: Doc) -> list[str]:
    answer = db.command("explain", command, verbosity="queryPlanner")
    return stages(answer["queryPlanner"]["winningPlan"])


def run(mongo_uri: str, *, scale: float, say: Callable[[str], None]) -> dict[str, Any]:
    """Seed ``FULL_SCALE × scale`` documents per service, then explain and time each query."""
    n = max(1_000, int(FULL_SCALE * scale))
    client: MongoClient[Doc] = MongoClient(mongo_uri, tz_aware=True)
    try:
        started = time.perf_counter()
        dbs = seed(client, "bench_plans", n)
        seeded_s = time.perf_counter() - started
        say(f"query_plans: {n} documents per service seeded in {seeded_s:.1f} s")
        queries: dict[str, Any] = {}
        for name, service, command in hot_queries():
            plan = explain(dbs[service], command)
            began = time.perf_counter()
            dbs[service].command(command)
            ms = (time.perf_counter() - began) * 1000
            queries[name] = {"plan": plan, "ms": round(ms, 1)}
            say(f"query_plans: {name}: {ms:.0f} ms {plan}")
        for db in dbs.values():
            client.drop_database(db.name)
        scans = sorted(k for k, v in queries.items() if FULL_SCANS & set(_bare(v["plan"])))
        return {
            "documents": n,
            "seed_s": round(seeded_s, 1),
            "queries": queries,
            "full_scans": scans,
        }
    finally:
        client.close()


def _bare(plan: list[str]) -> list[str]:
    return [stage.split("(")[0] for stage in plan]


def full_scans(plan: list[str]) -> bool:
    """True when a plan reads the whole collection."""
    return bool(FULL_SCANS & set(_bare(plan)))
