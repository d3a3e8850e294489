"""The parts of one sla worker that the HTTP API and the stream entry points share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closeloop_shared.database_state import DatabaseState
from closeloop_sla.adapters.clock_store import ClockStore
from closeloop_sla.adapters.faust_publisher import FaustPublisher
from closeloop_sla.config import SlaSettings
from closeloop_sla.domain.policy_library import PolicyLibrary
from closeloop_sla.service.deadline_schedule import DeadlineSchedule
from closeloop_sla.service.policy_service import PolicyService


@dataclass
class SlaContainer:
    """Settings, the faust app and table, the engine's state and the policy service
    (``policies`` is set once MongoDB is reachable)."""

    settings: SlaSettings
    partitions: int
    faust_app: Any
    store: ClockStore
    publisher: FaustPublisher
    library: PolicyLibrary = field(default_factory=PolicyLibrary)
    schedule: DeadlineSchedule = field(default_factory=DeadlineSchedule)
    policies: PolicyService | None = None
    mongo: Any = None  # the AsyncMongoClient, once connected
    database_state: DatabaseState = field(default_factory=DatabaseState)
