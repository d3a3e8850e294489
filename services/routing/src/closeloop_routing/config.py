"""Settings of the routing service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from closeloop_shared.settings import ServiceSettings, service_port


class RoutingSettings(ServiceSettings):
    """Routing: departments, rules, assignment, transfer and escalation."""

    service_name: str = "routing"
    port: int = service_port("routing", 8002)

    # CLOSELOOP_ROUTING_BREACH_MODE: on a first breach the supervisor takes the complaint
    # over (reassign) or joins the assignee (co_owner).
    routing_breach_mode: Literal["reassign", "co_owner"] = "reassign"
    # The distinct breach from which the department leader is escalated to.
    routing_leader_after_breaches: int = Field(default=2, ge=1)
    # Capacity given to an agent first seen as a department member.
    routing_default_capacity: int = Field(default=20, ge=1)
    # How often another process's rule or department change is picked up here.
    routing_config_refresh_s: float = Field(default=1.0, gt=0)
    # How soon a change to agents made through another process (a release, capacity,
    # availability) weighs on choices here: agents' loads are kept in memory this long.
    routing_loads_refresh_s: float = Field(default=1.0, gt=0)
    # How often waiting complaints are offered to free agents (a safety net: queues are
    # drained at once when an agent frees up or comes on duty).
    routing_queue_sweep_s: float = Field(default=5.0, gt=0)
    # Events written with a decision and not yet published after this long are re-sent.
    routing_outbox_grace_s: float = Field(default=5.0, gt=0)
    routing_seed_defaults: bool = True
    # Consumer-group members in this process: records of different partitions are handled
    # concurrently, so one slow database round trip does not hold up every partition.
    routing_consumers: int = Field(default=3, ge=1, le=32)
