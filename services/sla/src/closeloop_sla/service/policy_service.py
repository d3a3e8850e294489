"""Reading and replacing the policy and calendar sets, and keeping the in-memory
:class:`PolicyLibrary` the engine uses in step with MongoDB.

A replaced set applies to complaints received afterwards; running clocks keep their
versions unless the change is explicitly reapplied (see ``reapply``). Several workers share
one database: each reloads when it sees a newer revision (``refresh``, every few seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from closeloop_sla.adapters.policy_documents import CalendarDoc, PolicyDoc, PolicyRead
from closeloop_sla.adapters.policy_repository import PolicyRepository
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.policy import SlaPolicy, validate_policies
from closeloop_sla.domain.policy_library import BUILTIN_CALENDARS, PolicyLibrary

log = logging.getLogger(__name__)
CATCH_ALL = "no catch-all policy"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submitted set: the field and why."""

    field: str
    problem: str


class InvalidSet(ValueError):
    """A submitted set that cannot be used; ``problems`` name each field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.problem for p in problems))
        self.problems = problems


class PolicyService:
    """The policy library and its MongoDB sets."""

    def __init__(self, library: PolicyLibrary, repository: PolicyRepository) -> None:
        self.library = library
        self.repository = repository

    async def load(self) -> None:
        """Install every stored version; the newest sets become current."""
        for doc in await self.repository.calendar_sets():
            self._install_calendars(doc)
        for doc in await self.repository.policy_sets():
            policies = [PolicyRead.model_validate(p) for p in doc["policies"]]
            self.library.install_policies(
                [p.to_domain(p.version) for p in policies], current=True, revision=doc["_id"]
            )

    async def refresh(self) -> bool:
        """Reload when another worker stored a newer set; True when something changed."""
        policy_rev, calendar_rev = await self.repository.latest_revisions()
        if (policy_rev, calendar_rev) == (
            self.library.policy_revision,
            self.library.calendar_revision,
        ):
            return False
        await self.load()
        log.info("policies reloaded", extra={"policy_revision": policy_rev})
        return True

    async def replace_policies(self, submitted: Sequence[PolicyDoc], by: str) -> int:
        """Validate, version and store a new current policy set; return its revision."""
        await self.refresh()
        versioned = [p.to_domain(self.library.next_version(p.to_domain(1))) for p in submitted]
        self._check(versioned)
        revision = self.library.policy_revision + 1
        docs = [PolicyRead.of(p).model_dump(mode="json") for p in versioned]
        await self.repository.add_policy_set(revision, docs, by)
        self.library.install_policies(versioned, current=True, revision=revision)
        return revision

    async def replace_calendars(self, submitted: Sequence[CalendarDoc], by: str) -> int:
        """Version and store a new current calendar set; return its revision."""
        await self.refresh()
        names = [c.name for c in submitted]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidSet(
                [Problem("calendars", f"calendar {n!r} appears twice") for n in duplicates]
            )
        self._check_calendars_in_use({c.name for c in submitted})
        docs = []
        for calendar in submitted:
            version = self._calendar_version(calendar.to_domain())
            docs.append({**calendar.model_dump(mode="json"), "version": version})
        revision = self.library.calendar_revision + 1
        doc = await self.repository.add_calendar_set(revision, docs, by)
        self._install_calendars(doc)
        return revision

    def _check(self, policies: list[SlaPolicy]) -> None:
        known = self.library.current_calendar_names()
        problems: list[Problem] = []
        for position, policy in enumerate(policies):
            for sentence in validate_policies([policy], known):
                if not sentence.startswith(CATCH_ALL):
                    problems.append(Problem(f"policies.{position}", sentence))
        per_policy = {p.problem for p in problems}
        for sentence in validate_policies(policies, known):
            if sentence not in per_policy:  # set-level: duplicate ids, no catch-all
                problems.append(Problem("policies", sentence))
        if problems:
            raise InvalidSet(problems)

    def _check_calendars_in_use(self, names: set[str]) -> None:
        """A calendar the current policies count in may not disappear."""
        available = names | set(BUILTIN_CALENDARS)
        problems = [
            Problem(
                "calendars", f"policy {p.id!r} counts clock {c.kind} in calendar {c.calendar!r}"
            )
            for p in self.library.current_policies
            for c in p.clocks
            if c.calendar not in available
        ]
        if problems:
            raise InvalidSet(problems)

    def _calendar_version(self, calendar: BusinessCalendar) -> int:
        """Unchanged content keeps the current version; a change gets a new one."""
        current = self.library.current_calendar_versions().get(calendar.name)
        if current is not None:
            existing = self.library.calendar(f"{calendar.name}@{current}")
            if _same_calendar(existing, calendar):
                return current
        return self.library.latest_calendar_version(calendar.name) + 1

    def _install_calendars(self, doc: dict[str, Any]) -> None:
        current: dict[str, int] = {}
        for stored in doc["calendars"]:
            version = int(stored["version"])
            body = {k: v for k, v in stored.items() if k not in ("version", "builtin")}
            _explicit_makeup_hours(body)
            calendar = CalendarDoc.model_validate(body).to_domain()
            self.library.install_calendar(calendar, version, current=False)
            current[calendar.name] = version
        self.library.set_current_calendars(current, revision=int(doc["_id"]))


def _same_calendar(a: BusinessCalendar, b: BusinessCalendar) -> bool:
    """Equal working time (the name carries the version, so it is not compared)."""
    return replace(a, name="") == replace(b, name="")


def _explicit_makeup_hours(body: dict[str, Any]) -> None:
    """Sets stored before make-up hours had to be explicit meant Monday's: say so once."""
    if body.get("makeup_days") and not body.get("makeup_hours") and not body.get("base"):
        body["makeup_hours"] = (body.get("hours") or {}).get("mon", "")
        log.warning(
            "stored calendar without makeup_hours: using its Monday hours",
            extra={"calendar": body.get("name")},
        )
