"""What one processed batch sends before its table writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closeloop_shared.events.envelope import CloudEvent


@dataclass
class Outgoing:
    """Clock events, commands at explicit partitions, and records to dead-letter (with the
    faust event of the record and the error)."""

    events: list[CloudEvent] = field(default_factory=list)
    commands: list[tuple[int, CloudEvent]] = field(default_factory=list)
    dead: list[tuple[Any, BaseException]] = field(default_factory=list)
