"""The faust topics of the sla worker (raw bytes: CloudEvents are decoded by the shared
envelope). Declared from ``closeloop_shared.topics``; faust never creates them."""

from __future__ import annotations

from typing import Any

from closeloop_shared.topics import (
    COMPLAINT_LIFECYCLE,
    FEEDBACK_EVENTS,
    ROUTING_EVENTS,
    SLA_COMMANDS,
    TopicSpec,
)

# One stream for everything that changes a clock set, so changes to one complaint never
# race: lifecycle, routing and feedback events, and the engine's own commands.
CLOCK_INPUTS: tuple[TopicSpec, ...] = (
    COMPLAINT_LIFECYCLE,
    ROUTING_EVENTS,
    FEEDBACK_EVENTS,
    SLA_COMMANDS,
)


def clock_input_channel(app: Any) -> Any:
    """The faust topic (one subscription, several Kafka topics) the clock agent consumes."""
    return app.topic(
        *(spec.name for spec in CLOCK_INPUTS),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
