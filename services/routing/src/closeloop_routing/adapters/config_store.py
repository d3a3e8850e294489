"""Rule sets and department sets in MongoDB, versioned, with an in-memory copy.

Every accepted set is a new document whose ``_id`` is its version; the highest version is
the active one. Inserting by version makes two concurrent updates conflict instead of
silently overwriting each other, and keeps every earlier set so that a decision can be
explained by the rules that made it.

Routing a complaint must not cost a database round trip for the configuration, so each
process keeps the active sets in memory: reloaded at once after a change made through this
process, and within ``refresh_s`` after one made through another process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_routing.domain.departments import Department, validate_departments
from closeloop_routing.domain.rule_parsing import validate_rule_set
from closeloop_routing.domain.rules import RuleSet
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)
RULE_SETS = "rule_sets"
DEPARTMENT_SETS = "department_sets"


class ConfigMissing(RuntimeError):
    """No rule set or no department set has been stored yet."""


class StoredConfigInvalid(RuntimeError):
    """A stored set no longer validates (it was written by hand or by an older version)."""


@dataclass(frozen=True)
class RoutingConfig:
    """The active rule set and departments, parsed."""

    rule_set: RuleSet
    rules_raw: Mapping[str, Any]
    departments: Mapping[str, Department]
    departments_raw: Sequence[Mapping[str, Any]]
    departments_version: int
    activated: Mapping[str, Any] = field(default_factory=dict)

    @property
    def versions(self) -> tuple[int, int]:
        return self.rule_set.version, self.departments_version

    def department(self, department_id: str) -> Department:
        """The department, or the default one if it is gone (nothing stays unrouted)."""
        found = self.departments.get(department_id)
        return found or self.departments[self.rule_set.default_department]


async def _latest(coll: AsyncCollection[Document]) -> Document | None:
    return await coll.find_one({}, sort=[("_id", -1)])


async def _latest_version(coll: AsyncCollection[Document]) -> int:
    doc = await coll.find_one({}, {"_id": 1}, sort=[("_id", -1)])
    return int(doc["_id"]) if doc else 0


class ConfigStore:
    """The versioned rule sets and department sets, and this process's copy of them."""

    def __init__(self, db: AsyncDatabase[Document], *, refresh_s: float = 1.0) -> None:
        self._rules = db[RULE_SETS]
        self._departments = db[DEPARTMENT_SETS]
        self._refresh_s = refresh_s
        self._current: RoutingConfig | None = None
        self._lock = asyncio.Lock()

    @property
    def current(self) -> RoutingConfig:
        """The active configuration (loaded at start-up)."""
        if self._current is None:
            raise ConfigMissing("routing configuration not loaded yet")
        return self._current

    async def versions(self) -> tuple[int, int]:
        """The stored active versions (rule set, department set); 0 when none."""
        rules, departments = await asyncio.gather(
            _latest_version(self._rules), _latest_version(self._departments)
        )
        return rules, departments

    async def load(self) -> RoutingConfig:
        """Read and parse the active sets from the database into memory."""
        async with self._lock:
            rules_doc, depts_doc = await asyncio.gather(
                _latest(self._rules), _latest(self._departments)
            )
            if rules_doc is None or depts_doc is None:
                raise ConfigMissing("no rule set or department set stored")
            departments, errors = validate_departments(depts_doc["departments"])
            if departments is None:
                raise StoredConfigInvalid(f"department set {depts_doc['_id']}: {errors}")
            rule_set, errors = validate_rule_set(rules_doc["rule_set"], [d.id for d in departments])
            if rule_set is None:
                raise StoredConfigInvalid(f"rule set {rules_doc['_id']}: {errors}")
            self._current = RoutingConfig(
                rule_set=rule_set,
                rules_raw=rules_doc["rule_set"],
                departments={d.id: d for d in departments},
                departments_raw=depts_doc["departments"],
                departments_version=int(depts_doc["_id"]),
                activated={
                    "rules_at": rules_doc.get("activated_at"),
                    "rules_by": rules_doc.get("activated_by"),
                    "departments_at": depts_doc.get("activated_at"),
                    "departments_by": depts_doc.get("activated_by"),
                },
            )
            return self._current

    async def refresh(self) -> bool:
        """Reload if another process activated a newer set; True when reloaded."""
        stored = await self.versions()
        if self._current is not None and stored == self._current.versions:
            return False
        await self.load()
        return True

    async def refresh_forever(self) -> None:
        """Background task: pick up changes made through other processes."""
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self.refresh()
            except (ConfigMissing, StoredConfigInvalid) as exc:
                log.error("routing configuration not reloaded", extra={"error": str(exc)})

    async def save_rule_set(self, raw: Mapping[str, Any], *, by: str) -> bool:
        """Store a validated rule set as its version; False if that version exists."""
        return await _insert(self._rules, int(raw["version"]), {"rule_set": dict(raw)}, by)

    async def save_departments(
        self, version: int, raw: Sequence[Mapping[str, Any]], *, by: str
    ) -> bool:
        """Store a validated department set as ``version``; False if that version exists."""
        body = {"departments": [dict(d) for d in raw]}
        return await _insert(self._departments, version, body, by)


async def _insert(coll: AsyncCollection[Document], version: int, body: Document, by: str) -> bool:
    doc = {"_id": version, **body, "activated_at": datetime.now(UTC), "activated_by": by}
    try:
        await coll.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True
