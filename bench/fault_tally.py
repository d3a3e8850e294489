"""The pure arithmetic of a fault campaign's verdict: from the records on the topics and the
mails in the sink, how many effects of each stage were lost and how many duplicated.

A stage's effect is counted by distinct CloudEvents id (``ce_id``): the same event copied
twice onto a topic (a relay republishing after a crash) is one effect, consumers and the
audit log deduplicate it. Two events with different ids deciding the same thing (a complaint
routed twice, a clock started twice) are two effects, and that is a duplicate.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROUTED = "closeloop.routing.complaint.routed.v1"
PLACED = ("closeloop.routing.complaint.assigned.v1", "closeloop.routing.complaint.queued.v1")
CLOCK_STARTED = "closeloop.sla.clock.started.v1"
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicRecord:
    """One record read back from a topic: where it is, its headers, its JSON body."""

    topic: str
    partition: int
    offset: int
    headers: Mapping[str, str]
    body: Mapping[str, Any] | None = None

    @property
    def ce_id(self) -> str:
        return self.headers.get("ce_id", "").strip()

    @property
    def ce_type(self) -> str:
        return self.headers.get("ce_type", "").strip()

    @property
    def subject(self) -> str:
        """The complaint the event is about (``ce_subject``, else the body's id)."""
        subject = self.headers.get("ce_subject", "").strip()
        if subject:
            return subject
        return str((self.body or {}).get("complaint_id", ""))


def parse_body(raw: bytes | None) -> Mapping[str, Any] | None:
    """The JSON object of a record's value, None when it is not one."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


@dataclass
class StageTally:
    """Expected effects of one stage against what happened."""

    expected: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


def tally(counts: Mapping[str, int], expected: Mapping[str, int], what: str) -> StageTally:
    """Compare ``counts`` (effects seen per key) with ``expected`` (effects due per key).

    A key with fewer effects than due is lost, one with more is duplicated; a key that is
    not expected at all but has effects counts as duplicated too (nothing asked for it)."""
    result = StageTally(expected=sum(expected.values()))
    for key in sorted(set(expected) | set(counts)):
        due, seen = expected.get(key, 0), counts.get(key, 0)
        if seen < due:
            result.lost += due - seen
            result.problems.append(f"{what} {key}: {seen} of {due}")
        elif seen > due:
            result.duplicated += seen - due
            result.problems.append(f"{what} {key}: {seen} times, {due} expected")
    return result


def _distinct(records: Iterable[TopicRecord], key: Any) -> Counter[str]:
    """How many distinct event ids each key (``key(record)``, None to skip) has."""
    ids: dict[str, set[str]] = defaultdict(set)
    for record in records:
        k = key(record)
        if k is not None:
            ids[k].add(record.ce_id or f"{record.topic}:{record.partition}:{record.offset}")
    return Counter({k: len(v) for k, v in ids.items()})


def routing_decisions(records: Iterable[TopicRecord], complaints: set[str]) -> Counter[str]:
    """Per complaint, ``<id> routed`` and ``<id> placed`` (assigned or queued) decisions."""

    def key(record: TopicRecord) -> str | None:
        if record.subject not in complaints:
            return None
        if record.ce_type == ROUTED:
            return f"{record.subject} routed"
        return f"{record.subject} placed" if record.ce_type in PLACED else None

    return _distinct(records, key)


def clock_starts(records: Iterable[TopicRecord], complaints: set[str]) -> Counter[str]:
    """Per complaint and clock, ``<id> <clock>`` first starts (restarts are not arming)."""

    def key(record: TopicRecord) -> str | None:
        body = record.body or {}
        if record.ce_type != CLOCK_STARTED or record.subject not in complaints:
            return None
        return None if body.get("restarted") else f"{record.subject} {body.get('clock')}"

    return _distinct(records, key)


def expected_clocks(table: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """One arming due for every clock the SLA table holds for each complaint."""
    return {f"{cid} {clock}": 1 for cid, clocks in table.items() for clock in clocks}


def audited_ids(records: Iterable[TopicRecord]) -> set[str]:
    """The identities the audit log must hold one entry each for: ``ce_id`` on a main topic
    (its coordinates without one), and every dead letter by its own coordinates."""
    found = set()
    for r in records:
        where = f"{r.topic}:{r.partition}:{r.offset}"
        if r.topic.endswith(DLQ_SUFFIX):
            found.add(f"{r.ce_id}@{where}" if r.ce_id else where)
        else:
            found.add(r.ce_id or where)
    return found


def mails_per_recipient(recipients: Iterable[Iterable[str]], wanted: set[str]) -> Counter[str]:
    """How many sink messages went to each wanted address (one count per message)."""
    counts: Counter[str] = Counter()
    for to in recipients:
        for address in set(to) & wanted:
            counts[address] += 1
    return counts
