"""Every database command the services issue, captured and explained.

The database's profiler (level 2) records each command a service sends; each one is then
sent back as ``explain``. The reply is the plan MongoDB would run it with, chosen by trial
over the collection: on collections seeded with 100,000 complaints a collection scan, an
in-memory sort or a non-sparse index read end to end is a scan. Used by
tests/e2e/test_e2e_query_plans.py, and to count commands per complaint.

What explain cannot show is how the local server itself reads: it plans some shapes
differently (``{"$exists": true}`` on a sparse index read every document, 2.3 s at 100,000
complaints); those are found by timing them in ``make bench``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import MongoClient

Doc = dict[str, Any]
# Fields of a profiled command that are the driver's, not the query's.
DRIVER_FIELDS = {"lsid", "$db", "$clusterTime", "txnNumber", "$readPreference", "cursor"}
# Commands mongod and this server explain (the rest, e.g. insert, have no plan).
EXPLAINABLE_OPS = {"query", "update", "remove", "command"}
EXPLAINABLE_COMMANDS = {"find", "aggregate", "count", "distinct", "findAndModify"}


@dataclass(frozen=True)
class Captured:
    """One command a service sent, as its profile entry recorded it."""

    db: str
    collection: str
    op: str
    command: Doc

    @property
    def shape(self) -> str:
        """The command with every value blanked: commands of one shape share a plan."""
        return f"{self.db}.{self.collection} {self.op} {_shape(self.explainable())}"

    def explainable(self) -> Doc:
        """The command as ``explain`` takes it (updates and deletes per statement)."""
        cmd = self.command
        if self.op == "update":
            statement = {
                k: cmd[k] for k in ("q", "u", "upsert", "multi", "arrayFilters") if k in cmd
            }
            return {"update": self.collection, "updates": [statement]}
        if self.op == "remove":
            return {
                "delete": self.collection,
                "deletes": [{"q": cmd.get("q", {}), "limit": cmd.get("limit", 0)}],
            }
        out = {k: v for k, v in cmd.items() if k not in DRIVER_FIELDS and k != "comment"}
        if "aggregate" in out:
            out["cursor"] = {}
        return out


@dataclass(frozen=True)
class Examined:
    """The plan MongoDB would run one captured command with, by the server's own explain."""

    captured: Captured
    stages: tuple[str, ...]
    open_index_scans: tuple[str, ...]  # indexes read end to end: a scan in an index's order

    @property
    def scans(self) -> bool:
        """A collection scan, an in-memory sort, or a non-sparse index read end to end."""
        return "COLLSCAN" in self.stages or "SORT" in self.stages or bool(self.open_index_scans)

    def describe(self) -> str:
        """One line: the plan's stages and the command's shape."""
        opened = f" (open: {', '.join(self.open_index_scans)})" if self.open_index_scans else ""
        return f"{'>'.join(self.stages)}{opened}: {self.captured.shape}"


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return "?"


def set_profiling(client: MongoClient[Doc], dbs: Iterable[str], level: int) -> None:
    """Profile every command (2) or none (0) on each database; level 2 empties the old log."""
    for name in dbs:
        db = client[name]
        db.command("profile", 0)
        if level:
            db.drop_collection("system.profile")
            db.command("profile", level)


def captured_commands(client: MongoClient[Doc], dbs: Iterable[str]) -> list[Captured]:
    """Every profiled command of ``dbs`` whose plan can be explained."""
    out = []
    for name in dbs:
        for entry in client[name]["system.profile"].find():
            op = entry.get("op")
            ns = str(entry.get("ns", ""))
            if op not in EXPLAINABLE_OPS or "." not in ns:
                continue
            command = dict(entry.get("command") or {})
            if op == "command" and not EXPLAINABLE_COMMANDS & set(command):
                continue
            out.append(Captured(name, ns.split(".", 1)[1], op, command))
    return out


def commands_per_db(client: MongoClient[Doc], dbs: Iterable[str]) -> Counter[str]:
    """How many commands each database's profile recorded (explainable or not)."""
    return Counter({name: client[name]["system.profile"].count_documents({}) for name in dbs})


def _walk(plan: Doc) -> list[Doc]:
    found = [plan]
    if "inputStage" in plan:
        found += _walk(plan["inputStage"])
    for child in plan.get("inputStages", []):
        found += _walk(child)
    return found


def _winning_plan(reply: Doc) -> Doc:
    planner = reply.get("queryPlanner")
    if planner is None:  # aggregate: the $cursor stage carries the find's plan
        for stage in reply.get("stages", []):
            if "$cursor" in stage:
                planner = stage["$cursor"].get("queryPlanner")
                break
    plan: Doc = (planner or {}).get("winningPlan", {})
    inner: Doc = plan.get("queryPlan", plan)
    return inner


def _open_bounds(node: Doc) -> bool:
    bounds = node.get("indexBounds") or {}
    return bool(bounds) and all(
        ranges == ["[MinKey, MaxKey]"] or ranges == ["[MaxKey, MinKey]"]
        for ranges in bounds.values()
    )


def explain(client: MongoClient[Doc], captured: Captured) -> Examined:
    """Explain one captured command (the plan only: running it is the server's business)."""
    reply = client[captured.db].command(
        {"explain": captured.explainable(), "verbosity": "queryPlanner"}
    )
    nodes = _walk(_winning_plan(reply))
    opened = tuple(
        str(n.get("indexName"))
        for n in nodes
        if n.get("stage") == "IXSCAN" and _open_bounds(n) and not n.get("isSparse")
    )
    return Examined(captured, tuple(str(n.get("stage", "?")) for n in nodes), opened)


def explain_each_shape(
    client: MongoClient[Doc], captured: Iterable[Captured], *, samples: int = 2
) -> list[Examined]:
    """Explain up to ``samples`` distinct commands of each shape (one shape can seek for one
    value and scan for another; each explain is planned by trial over the whole collection,
    so every command of a busy shape would take minutes) and keep a scanning plan first."""
    kept: dict[str, Examined] = {}
    tried: Counter[str] = Counter()
    done: set[str] = set()
    for one in captured:
        key, shape = repr(one.explainable()), one.shape
        if key in done or tried[shape] >= samples:
            continue
        done.add(key)
        tried[shape] += 1
        examined = explain(client, one)
        if shape not in kept or (examined.scans and not kept[shape].scans):
            kept[shape] = examined
    return sorted(kept.values(), key=lambda e: (not e.scans, e.captured.shape))


# --- seeding ----------------------------------------------------------------------------


def _unique_paths(client: MongoClient[Doc], db: str, collection: str) -> list[str]:
    return [
        path
        for index in client[db][collection].list_indexes()
        if index.get("unique") and index["name"] != "_id_"
        for path in index["key"]
    ]


def _set_path(doc: Doc, path: str, value: Any) -> None:
    """Set a dotted path that exists, copying the sub-documents on the way (clones share
    the template's sub-documents otherwise)."""
    head, _, rest = path.partition(".")
    if rest and isinstance(doc.get(head), dict):
        doc[head] = dict(doc[head])
        _set_path(doc[head], rest, value)
    elif not rest and head in doc and doc[head] is not None:
        doc[head] = value


def seed_clones(
    client: MongoClient[Doc],
    db: str,
    collection: str,
    template: Doc,
    complaint_id: str,
    count: int,
    *,
    overrides: Doc | None = None,
    batch: int = 5_000,
    say: Callable[[str], None] = lambda _: None,
) -> int:
    """Insert ``count`` copies of ``template`` (a document of ``complaint_id``), each of its own
    complaint: ``_id`` and ``complaint_id`` replaced, unique fields made unique, ``overrides``
    applied (e.g. an empty outbox, so the relays leave them alone). Copies are shallow: what
    the services look documents up by is top-level; deep copies of 100,000 complaints would
    take minutes of this process's time."""
    unique = _unique_paths(client, db, collection)
    coll = client[db][collection]
    # Arrays cut to one element keep every index's shape (multikey included) while a clone
    # of a complaint that lived a whole life (its timeline, its events) stays small.
    light = {k: v[:1] if isinstance(v, list) else v for k, v in template.items()}
    done = 0
    while done < count:
        docs = []
        for n in range(done, min(count, done + batch)):
            seed_id = f"CMP-SEED-{n:07d}"
            doc = dict(light)
            doc["_id"] = seed_id if template.get("_id") == complaint_id else f"seed-{n}"
            if doc.get("complaint_id") == complaint_id:
                doc["complaint_id"] = seed_id
            for path in unique:
                _set_path(doc, path, f"seed-{n}-{path}")
            doc.update(overrides or {})
            docs.append(doc)
        started = time.monotonic()
        coll.insert_many(docs, ordered=False)
        done += len(docs)
        rate = len(docs) / max(time.monotonic() - started, 1e-6)
        say(f"seeded {db}.{collection}: {done:,}/{count:,} ({rate:,.0f}/s)")
    return done
