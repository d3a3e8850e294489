"""Agents in MongoDB: capacity, availability, skills and the complaints each one holds.

An agent document keeps the ids of the complaints it holds (``open``) next to their count
(``open_count``). Taking a complaint is one conditional update — available, below
capacity, not holding it already — so two routing processes cannot push an agent over
capacity, and repeating the update for the same complaint changes nothing. Releasing is
the mirror image. The round-robin cursor of each department lives in ``department_state``.
The loads are read through this process's view of them (``agent_loads``), kept current by
the claims and releases made here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_routing.adapters.agent_loads import AgentLoads
from closeloop_routing.domain.assignment import Agent
from closeloop_routing.domain.departments import Department
from closeloop_shared.mongo import Document, IndexSpec

log = logging.getLogger(__name__)
AGENTS = "agents"
STATE = "department_state"
# No index on ``open``: a multikey index is rewritten whole on every claim and release,
# which costs more than scanning a few hundred agents on the rare lookups by complaint.
INDEXES = [IndexSpec(AGENTS, [("departments", 1)])]
CURSOR_WRITE_INTERVAL_S = 2.0
_POOL_FIELDS = {"skills": 1, "capacity": 1, "available": 1, "open_count": 1}


@dataclass(frozen=True)
class AgentRecord:
    """An agent as stored (without the list of complaint ids)."""

    id: str
    departments: tuple[str, ...]
    skills: tuple[str, ...]
    capacity: int
    available: bool
    open_count: int

    @classmethod
    def of(cls, doc: Document) -> AgentRecord:
        return cls(
            id=doc["_id"],
            departments=tuple(doc.get("departments") or ()),
            skills=tuple(doc.get("skills") or ()),
            capacity=int(doc.get("capacity", 0)),
            available=bool(doc.get("available", False)),
            open_count=int(doc.get("open_count", 0)),
        )


class AgentPool:
    """The agents collection and the departments' round-robin cursors."""

    def __init__(self, db: AsyncDatabase[Document], *, loads_max_age_s: float = 1.0) -> None:
        self._agents = db[AGENTS]
        self._loads = AgentLoads(loads_max_age_s)
        self._reads: dict[str, asyncio.Future[list[Agent]]] = {}
        self._state = db[STATE]
        # Cursors are written through and read once per process: they only break ties,
        # so another process's concurrent advance costs fairness at most by one turn.
        self._cursors: dict[str, str | None] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        self._flushing = asyncio.Event()  # cuts the writers' wait short

    async def load(self, department: str) -> list[Agent]:
        """The department's agents with their current load, from memory when the view of
        them is recent (see ``agent_loads``). Between this returning and ``reserve`` the
        caller must not await, so that concurrent choices see each other's reservations."""
        known = self._loads.agents(department)
        if known is not None:
            return known
        read = self._reads.get(department)
        if read is None:  # concurrent loads share one read
            read = asyncio.ensure_future(self._read_into_view(department))
            self._reads[department] = read
            read.add_done_callback(lambda _: self._reads.pop(department, None))
        agents = await asyncio.shield(read)
        # Those resumed before this one may have reserved meanwhile: see their reservations.
        known = self._loads.agents(department)
        return agents if known is None else known

    async def _read_into_view(self, department: str) -> list[Agent]:
        generation, read_at = self._loads.generation, self._loads.now()
        agents = await self._read(department)
        self._loads.store(department, agents, read_at, generation)
        return agents

    def reserve(self, agent_id: str) -> None:
        """Count the complaint just given to the agent before claiming it."""
        self._loads.add(agent_id, 1)

    def unreserve(self, agent_id: str) -> None:
        """Take back a reservation that will not be claimed."""
        self._loads.add(agent_id, -1)

    async def _read(self, department: str) -> list[Agent]:
        """The department's agents as stored (not the ids they hold: projecting those
        costs more than the rest of the decision)."""
        agents = []
        async for doc in self._agents.find({"departments": department}, _POOL_FIELDS):
            agents.append(
                Agent(
                    id=doc["_id"],
                    department=department,
                    skills=frozenset(doc.get("skills") or ()),
                    capacity=int(doc.get("capacity", 0)),
                    available=bool(doc.get("available", False)),
                    open_count=int(doc.get("open_count", 0)),
                )
            )
        return agents

    async def claim(self, agent_id: str, complaint_id: str, seen_open: int | None = None) -> bool:
        """Give ``complaint_id`` to an available agent below capacity (reserved by the
        caller); False if not possible, and the view of the agent's load is read again.

        With ``seen_open``, only if the agent has at most that many open complaints: the
        choice was made on that count, so a concurrent claim (of another process) makes
        this one choose again instead of piling onto an agent who is no longer the least
        loaded. Fewer is fine: this process's own claims in flight may not have landed.
        """
        try:
            result = await self._agents.update_one(*_claim(agent_id, complaint_id, seen_open))
        except BaseException:
            self.claim_settled(agent_id, claimed=False)  # it may or may not have landed
            raise
        self.claim_settled(agent_id, claimed=result.modified_count == 1)
        return result.modified_count == 1

    def claim_write(self, agent_id: str, complaint_id: str, seen_open: int) -> UpdateOne:
        """``claim`` as a write for a client bulk write (report its outcome to
        ``claim_settled``)."""
        flt, update = _claim(agent_id, complaint_id, seen_open)
        return UpdateOne(flt, update, namespace=self._agents.full_name)

    def claim_settled(self, agent_id: str, *, claimed: bool) -> None:
        """A claim that failed (or may have) means the view of the agent's load is wrong."""
        if not claimed:
            self._loads.forget(agent_id)

    async def hold_only(self, complaint_id: str, holder: str | None) -> list[str]:
        """Make ``holder`` (or nobody) the only agent holding the complaint, without a
        capacity check (an owner keeps what is theirs). Returns the departments of the
        agents who let go of it, whose queues may now move."""
        released = [
            doc
            async for doc in self._agents.find(
                {"open": complaint_id, "_id": {"$ne": holder}}, {"departments": 1}
            )
        ]
        freed = sorted({d for doc in released for d in doc.get("departments") or ()})
        await self._agents.update_many(
            {"open": complaint_id, "_id": {"$ne": holder}},
            {"$pull": {"open": complaint_id}, "$inc": {"open_count": -1}},
        )
        for doc in released:  # if another release got there first, this understates
            self._loads.add(doc["_id"], -1)
        if holder is not None:
            await self.hold_also(holder, complaint_id)
        return freed

    async def hold_also(self, agent_id: str, complaint_id: str) -> None:
        """Let the agent hold the complaint beyond capacity or availability (a supervisor's
        assignment with a reason); holding it already changes nothing."""
        result = await self._agents.update_one(
            {"_id": agent_id, "open": {"$ne": complaint_id}},
            {"$push": {"open": complaint_id}, "$inc": {"open_count": 1}},
        )
        if result.modified_count == 1:
            self._loads.add(agent_id, 1)

    async def cursor(self, department: str) -> str | None:
        """The department's round-robin cursor: the agent who got the last tie."""
        if department not in self._cursors:
            doc = await self._state.find_one({"_id": department}, {"rr_cursor": 1})
            self._cursors[department] = doc.get("rr_cursor") if doc else None
        return self._cursors[department]

    def set_cursor(self, department: str, cursor: str | None) -> None:
        """Advance the cursor now in memory; store it in the background, at most every
        ``CURSOR_WRITE_INTERVAL_S`` (the latest value wins: a busy department costs one
        write every interval, not one per complaint)."""
        self._cursors[department] = cursor
        if department not in self._writers:
            task = asyncio.create_task(self._store_cursor(department))
            self._writers[department] = task

    async def _store_cursor(self, department: str) -> None:
        try:
            stored: object = object()
            while (cursor := self._cursors.get(department)) != stored:
                await self._state.update_one(
                    {"_id": department}, {"$set": {"rr_cursor": cursor}}, upsert=True
                )
                stored = cursor
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flushing.wait(), CURSOR_WRITE_INTERVAL_S)
        except Exception:  # a lost cursor write only costs one turn of fairness
            log.warning("round-robin cursor not stored", exc_info=True)
        finally:
            del self._writers[department]

    async def flush_cursors(self) -> None:
        """Wait for the cursor writes in flight (at shutdown, and in tests)."""
        self._flushing.set()
        try:
            await asyncio.gather(*self._writers.values(), return_exceptions=True)
        finally:
            self._flushing.clear()

    async def get(self, agent_id: str) -> AgentRecord | None:
        doc = await self._agents.find_one({"_id": agent_id}, {"open": 0})
        return AgentRecord.of(doc) if doc else None

    async def list(self, department: str | None = None) -> list[AgentRecord]:
        flt: Document = {} if department is None else {"departments": department}
        cursor = self._agents.find(flt, {"open": 0}).sort("_id", 1)
        return [AgentRecord.of(doc) async for doc in cursor]

    async def update(self, agent_id: str, changes: Document) -> AgentRecord | None:
        """Set capacity, availability or skills; None for an unknown agent."""
        doc = await self._agents.find_one_and_update(
            {"_id": agent_id},
            {"$set": {**changes, "updated_at": datetime.now(UTC)}},
            projection={"open": 0},
            return_document=ReturnDocument.AFTER,
        )
        self._loads.invalidate(agent_id)
        return AgentRecord.of(doc) if doc else None

    async def set_memberships(
        self, departments: Sequence[Department], default_capacity: int
    ) -> None:
        """Record which departments each member works in; new members start available
        with the default capacity. Agents no longer in any department keep their
        complaints but get no new ones."""
        membership: dict[str, list[str]] = {}
        for department in departments:
            for member in department.members:
                membership.setdefault(member, []).append(department.id)
        now = datetime.now(UTC)
        for agent_id, depts in membership.items():
            await self._agents.update_one(
                {"_id": agent_id},
                {
                    "$set": {"departments": depts, "updated_at": now},
                    "$setOnInsert": _new_agent(default_capacity),
                },
                upsert=True,
            )
        await self._agents.update_many(
            {"_id": {"$nin": list(membership)}}, {"$set": {"departments": []}}
        )
        self._loads.invalidate()


def _claim(agent_id: str, complaint_id: str, seen_open: int | None) -> tuple[Document, Document]:
    """The filter and update that give ``complaint_id`` to the agent (see ``claim``)."""
    flt: Document = {
        "_id": agent_id,
        "available": True,
        "open": {"$ne": complaint_id},
        "$expr": {"$lt": ["$open_count", "$capacity"]},
    }
    if seen_open is not None:
        flt["open_count"] = {"$lte": seen_open}
    return flt, {"$push": {"open": complaint_id}, "$inc": {"open_count": 1}}


def _new_agent(capacity: int) -> Document:
    return {
        "skills": [],
        "capacity": capacity,
        "available": True,
        "open": [],
        "open_count": 0,
    }
