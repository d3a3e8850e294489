"""What breaches next: an in-memory index of every counting clock ordered by deadline, per
table partition, kept in step with each row write and rebuilt with the deadline index.

``GET /v1/sla/at-risk`` walks it from the earliest deadline up to ``now + within`` and
stops; nothing scans the table. Entries are ``(deadline µs, complaint id, clock kind)``
in a ``SortedList`` (O(log n) insert and remove), the complaint's department, severity and
owner beside them for filtering.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sortedcontainers import SortedList

from closeloop_sla.domain.at_risk import ComplaintRisk, RiskClock

Entry = tuple[int, str, str]  # (deadline µs, complaint id, clock kind)


@dataclass(frozen=True, slots=True)
class AtRiskEntry:
    """One clock of the list, with what the list shows of its complaint."""

    deadline_us: int
    complaint_id: str
    clock: RiskClock
    department: str | None
    severity: str | None
    owner: str | None


ListKey = tuple[str, ...]  # () all · ("d", dept) · ("s", severity) · ("ds", dept, severity)


def _keys(risk: ComplaintRisk) -> tuple[ListKey, ...]:
    dept, sev = risk.department or "", risk.severity or ""
    return ((), ("d", dept), ("s", sev), ("ds", dept, sev))


class AtRiskIndex:
    """Per-partition sorted deadlines of the clocks still counting, one sorted list for all
    of them and one per department, per severity and per both, so a scoped or filtered
    query walks only the entries it returns (the same entry tuples, shared)."""

    def __init__(self) -> None:
        self._lists: dict[int, dict[ListKey, SortedList]] = {}
        self._rows: dict[int, dict[str, ComplaintRisk]] = {}
        self._risk: dict[str, ComplaintRisk] = {}  # every partition's rows, for look-ups

    def update(self, partition: int, complaint_id: str, risk: ComplaintRisk | None) -> None:
        """Replace a complaint's entries (``None`` or no clocks: it leaves the list)."""
        lists = self._lists.setdefault(partition, {})
        rows = self._rows.setdefault(partition, {})
        old = rows.pop(complaint_id, None)
        self._risk.pop(complaint_id, None)
        if old is not None:
            entries = [(c.deadline_us, complaint_id, c.kind) for c in old.clocks]
            for key in _keys(old):
                for entry in entries:
                    lists[key].discard(entry)
        if risk is not None and risk.clocks:
            rows[complaint_id] = self._risk[complaint_id] = risk
            entries = [(c.deadline_us, complaint_id, c.kind) for c in risk.clocks]
            for key in _keys(risk):
                lists.setdefault(key, SortedList()).update(entries)

    def rebuild(self, partition: int, rows: Iterable[tuple[str, ComplaintRisk]]) -> None:
        """Replace a partition's entries with what its stored rows say."""
        self.drop(partition)
        grouped: dict[ListKey, list[Entry]] = {}
        kept: dict[str, ComplaintRisk] = {}
        for cid, risk in rows:
            if not risk.clocks:
                continue
            kept[cid] = risk
            entries = [(c.deadline_us, cid, c.kind) for c in risk.clocks]
            for key in _keys(risk):
                grouped.setdefault(key, []).extend(entries)
        self._lists[partition] = {key: SortedList(found) for key, found in grouped.items()}
        self._rows[partition] = kept
        self._risk.update(kept)

    def drop(self, partition: int) -> None:
        """Forget a partition that is no longer ours."""
        self._lists.pop(partition, None)
        for complaint_id in self._rows.pop(partition, {}):
            self._risk.pop(complaint_id, None)

    def __len__(self) -> int:
        return sum(len(lists.get((), ())) for lists in self._lists.values())

    def due_by(
        self,
        until_us: int,
        *,
        departments: frozenset[str] | None = None,
        severity: str | None = None,
    ) -> Iterator[AtRiskEntry]:
        """Clocks due by ``until_us`` (breached ones first, they are due already), earliest
        first, of ``departments`` (None: all) and ``severity`` (None: all)."""
        if departments is None:
            keys: list[ListKey] = [("s", severity)] if severity is not None else [()]
        elif severity is None:
            keys = [("d", dept) for dept in sorted(departments)]
        else:
            keys = [("ds", dept, severity) for dept in sorted(departments)]
        top = (until_us, "\U0010ffff", "\U0010ffff")
        runs = [
            lists[key].irange(maximum=top)
            for lists in self._lists.values()
            for key in keys
            if key in lists
        ]
        for deadline_us, complaint_id, kind in heapq.merge(*runs):
            risk = self._risk.get(complaint_id)
            if risk is None:
                continue
            clock = next(c for c in risk.clocks if c.kind == kind)
            yield AtRiskEntry(
                deadline_us, complaint_id, clock, risk.department, risk.severity, risk.owner
            )
