"""Deterministic identifiers: the same trigger always yields the same id, so a redelivered
event or a retried timer creates nothing new (the store's unique ``_id`` refuses it)."""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("6f1d3c2e-8a57-4b8e-9c1a-2f4e5d6c7b8a")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def notification_id(trigger_id: str, template: str) -> str:
    """The notification caused by ``trigger_id`` (an event or survey step) with ``template``."""
    return _digest("notification", trigger_id, template)


def survey_id(complaint_id: str, resolution_event_id: str) -> str:
    """The survey that follows one resolution of one complaint."""
    return _digest("survey", complaint_id, resolution_event_id)


def event_id(*parts: str) -> str:
    """A stable CloudEvents id for an event this service derives from ``parts``."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))
