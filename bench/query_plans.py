"""Every database command the services issue, captured and explained.

The database's profiler (level 2) records each command a service sends; each one is then
sent back as ``explain`` with ``executionStats``, which says how many index keys and
documents running it examines. On collections seeded with ``SEEDED`` complaints a hot-path
command that examines thousands is a scan, whatever its plan is called (an index scan with
open bounds is a scan too). Used by tests/e2e/test_e2e_query_plans.py and by ``make bench``
to count commands per complaint.
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
    """What running one captured command examines, by the server's own explain."""

    captured: Captured
    keys: int
    docs: int
    returned: int
    stages: tuple[str, ...]

    @property
    def worst(self) -> int:
        return max(self.keys, self.docs)


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


def _stages(plan: Doc) -> list[str]:
    found = [str(plan.get("stage", "?"))]
    if "inputStage" in plan:
        found += _stages(plan["inputStage"])
    for child in plan.get("inputStages", []):
        found += _stages(child)
    return found


def _stats(reply: Doc) -> Doc:
    if "executionStats" in reply:
        stats: Doc = reply["executionStats"]
        return stats
    for stage in reply.get("stages", []):  # aggregate: the $cursor stage carries them
        if "$cursor" in stage:
            inner: Doc = stage["$cursor"].get("executionStats", {})
            return inner
    return {}


def explain(client: MongoClient[Doc], captured: Captured) -> Examined:
    """Explain one captured command with ``executionStats``."""
    reply = client[captured.db].command(
        {"explain": captured.explainable(), "verbosity": "executionStats"}
    )
    stats = _stats(reply)
    return Examined(
        captured,
        keys=int(stats.get("totalKeysExamined", 0)),
        docs=int(stats.get("totalDocsExamined", 0)),
        returned=int(stats.get("nReturned", 0)),
        stages=tuple(_stages(stats.get("executionStages", {}))),
    )


def explain_each_shape(
    client: MongoClient[Doc], captured: Iterable[Captured], *, samples: int = 3
) -> list[Examined]:
    """Explain up to ``samples`` captured commands of each shape and keep the costliest (one
    is not enough: the same shape can seek for one value and scan for another; all of them
    would take minutes where a shape scans 100,000 documents each time)."""
    worst: dict[str, Examined] = {}
    seen: Counter[str] = Counter()
    for one in captured:
        shape = one.shape
        if seen[shape] >= samples:
            continue
        seen[shape] += 1
        examined = explain(client, one)
        kept = worst.get(shape)
        if kept is None or examined.worst > kept.worst:
            worst[shape] = examined
    return sorted(worst.values(), key=lambda e: -e.worst)


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
