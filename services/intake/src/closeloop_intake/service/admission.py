"""Admission control: intake refuses new complaints while the pipeline behind it is too far
behind, instead of accepting work it cannot carry.

Without it, a burst above the sustainable rate is accepted (201) and then waits: complaints
queued for minutes before routing and the SLA engine saw them, their clocks unarmed. With it,
the client gets 429 and ``Retry-After``; a client that honours it loses nothing, and what was
accepted stays within its latency bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class BacklogReading(Protocol):
    """Records the slowest downstream consumer group is behind (None: not known)."""

    @property
    def behind(self) -> int | None: ...


@dataclass(frozen=True)
class Overloaded(Exception):
    """The pipeline is ``behind`` records behind, more than ``bound``; retry after a while."""

    behind: int
    bound: int
    retry_after_s: int


@dataclass(frozen=True)
class Admission:
    """Admit new work while ``backlog.behind`` is at most ``max_behind`` and, when given,
    ``unpublished.behind`` (complaints whose events intake has not yet put on the topic) is
    at most ``max_unpublished``.

    The second reading is intake's own share of the queue: when the database is saturated the
    relay falls behind first, and the consumer groups then look idle while complaints wait
    in the outbox.

    An unknown backlog (no reading yet, or the broker unreachable) admits: shedding load on a
    guess would refuse complaints that the outbox can keep safely until the broker is back.
    """

    backlog: BacklogReading
    max_behind: int
    retry_after_s: int
    unpublished: BacklogReading | None = None
    max_unpublished: int = 0

    def check(self) -> None:
        """Raise :class:`Overloaded` when either reading is over its bound."""
        behind = self.backlog.behind
        if behind is not None and behind > self.max_behind:
            raise Overloaded(behind, self.max_behind, self.retry_after_s)
        waiting = self.unpublished.behind if self.unpublished is not None else None
        if waiting is not None and waiting > self.max_unpublished:
            raise Overloaded(waiting, self.max_unpublished, self.retry_after_s)
