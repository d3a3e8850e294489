"""Everything a routing use case works with, built once per process in ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_routing.adapters.agent_pool import AgentPool
from closeloop_routing.adapters.config_store import ConfigStore
from closeloop_routing.adapters.publisher import OutboxPublisher
from closeloop_routing.adapters.routing_store import RoutingStore
from closeloop_routing.config import RoutingSettings
from closeloop_routing.domain.escalation import BreachAction, EscalationPolicy
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import Document


@dataclass
class RoutingContext:
    """The configuration, the stores and the publisher of one routing process."""

    settings: RoutingSettings
    config: ConfigStore
    complaints: RoutingStore
    agents: AgentPool
    publisher: OutboxPublisher
    producer: EventProducer

    @classmethod
    def build(
        cls, settings: RoutingSettings, db: AsyncDatabase[Document], producer: EventProducer
    ) -> RoutingContext:
        complaints = RoutingStore(db)
        return cls(
            settings=settings,
            config=ConfigStore(db, refresh_s=settings.routing_config_refresh_s),
            complaints=complaints,
            agents=AgentPool(db, loads_max_age_s=settings.routing_loads_refresh_s),
            publisher=OutboxPublisher(producer, complaints),
            producer=producer,
        )

    @property
    def escalation_policy(self) -> EscalationPolicy:
        """How breaches escalate (CLOSELOOP_ROUTING_BREACH_MODE and the leader threshold)."""
        return EscalationPolicy(
            on_breach=BreachAction(self.settings.routing_breach_mode),
            leader_after_breaches=self.settings.routing_leader_after_breaches,
        )


class UnknownComplaint(LookupError):
    """Routing has no record of this complaint (it was never routed here)."""
