"""Event contracts: the CloudEvents envelope, the registry of event types, and one module of
pydantic models per producing domain. Importing this package registers every event type."""

from closeloop_shared.events import audit, feedback, intake, public, routing, sla
from closeloop_shared.events.envelope import CloudEvent, EventData, decode_event, encode_event
from closeloop_shared.events.registry import EVENT_TYPES, event_type, model_for

__all__ = [
    "EVENT_TYPES",
    "CloudEvent",
    "EventData",
    "audit",
    "decode_event",
    "encode_event",
    "event_type",
    "feedback",
    "intake",
    "model_for",
    "public",
    "routing",
    "sla",
]
