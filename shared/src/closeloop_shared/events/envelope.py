"""CloudEvents 1.0 in Kafka binary mode: attributes travel as ``ce_*`` headers, the body is
JSON. Kafka keys are complaint ids (``ce_subject``), so one complaint's events stay ordered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from closeloop_shared.events.registry import model_for, type_of

SPEC_VERSION = "1.0"
SOURCE_PREFIX = "/closeloop/"
CONTENT_TYPE = "application/json"
Headers = list[tuple[str, bytes]]


def source_of(service: str) -> str:
    """The CloudEvents ``source`` of every event ``service`` publishes: ``/closeloop/<service>``.

    One convention for all services (a URI reference, as CloudEvents asks), so consumers and
    the AsyncAPI document can tell producers apart without a per-service spelling."""
    return f"{SOURCE_PREFIX}{service}"


def producer_of(type_name: str) -> str:
    """The service that publishes events of ``type_name`` (``closeloop.<domain>.…``); the
    public projection is intake's."""
    domain = type_name.split(".")[1]
    return "intake" if domain == "public" else domain


class EventData(BaseModel):
    """Base of every event body. Readers are tolerant: unknown fields are ignored, so a
    producer may add optional fields without breaking older consumers."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class InvalidEvent(ValueError):
    """A Kafka message that is not a valid Closeloop CloudEvent (goes to the DLQ)."""


@dataclass(frozen=True)
class CloudEvent:
    """One event: CloudEvents attributes plus the typed body."""

    type: str
    source: str
    subject: str
    data: BaseModel
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, data: BaseModel, *, source: str, subject: str, **kw: Any) -> CloudEvent:
        """Wrap a registered body model; the type name comes from the registry."""
        return cls(type=type_of(type(data)), source=source, subject=subject, data=data, **kw)


def encode_event(event: CloudEvent) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) for a Kafka record in CloudEvents binary mode."""
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", event.id.encode()),
        ("ce_type", event.type.encode()),
        ("ce_source", event.source.encode()),
        ("ce_subject", event.subject.encode()),
        ("ce_time", event.time.isoformat().encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    value = event.data.model_dump_json().encode()
    return event.subject.encode(), value, headers


def header_map(headers: Any) -> dict[str, str]:
    """Kafka headers as a dict of strings (undecodable values are replaced, not fatal)."""
    return {k: (v or b"").decode("utf-8", "replace") for k, v in (headers or ())}


def decode_event(value: bytes | None, headers: Any) -> CloudEvent:
    """Parse a Kafka record into a :class:`CloudEvent`; raise :class:`InvalidEvent` on any
    problem, naming what is wrong, so the consumer can dead-letter it."""
    attrs = header_map(headers)
    missing = [h for h in ("ce_id", "ce_type", "ce_source", "ce_specversion") if not attrs.get(h)]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise InvalidEvent(f"unsupported ce_specversion {attrs['ce_specversion']!r}")
    try:
        model = model_for(attrs["ce_type"])
    except KeyError as exc:
        raise InvalidEvent(str(exc.args[0])) from None
    try:
        body = orjson.loads(value or b"")
        data = model.model_validate(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from None
    except ValidationError as exc:
        raise InvalidEvent(f"body does not match {attrs['ce_type']}: {exc}") from None
    try:
        time = datetime.fromisoformat(attrs["ce_time"]) if attrs.get("ce_time") else None
    except ValueError:
        raise InvalidEvent(f"ce_time is not ISO-8601: {attrs['ce_time']!r}") from None
    return CloudEvent(
        type=attrs["ce_type"],
        source=attrs["ce_source"],
        subject=attrs.get("ce_subject", ""),
        data=data,
        id=attrs["ce_id"],
        time=time or datetime.now(UTC),
    )
