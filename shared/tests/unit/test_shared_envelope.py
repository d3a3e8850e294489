from datetime import UTC, datetime

import pytest

from closeloop_shared.events import CloudEvent, decode_event, encode_event
from closeloop_shared.events.envelope import InvalidEvent
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.events.registry import EVENT_TYPES, TYPE_NAME, event_type


def _ack() -> ComplaintAcknowledged:
    return ComplaintAcknowledged(
        complaint_id="c-1",
        at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        version=2,
        actor="agent-007",
        status="acknowledged",
    )


def test_event_round_trips_through_kafka_binary_mode() -> None:
    event = CloudEvent.of(_ack(), source="closeloop/intake", subject="c-1")
    key, value, headers = encode_event(event)
    names = {k for k, _ in headers}
    assert {
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_specversion",
        "ce_time",
        "ce_subject",
        "content-type",
    } <= names
    assert key == b"c-1"
    back = decode_event(value, headers)
    assert back.id == event.id
    assert back.type == "closeloop.intake.complaint.acknowledged.v1"
    assert back.data == event.data


def test_missing_headers_are_named() -> None:
    with pytest.raises(InvalidEvent, match="ce_id, ce_type"):
        decode_event(b"{}", [("ce_source", b"x"), ("ce_specversion", b"1.0")])


def test_unknown_type_and_bad_body_are_invalid() -> None:
    base = [("ce_id", b"1"), ("ce_source", b"s"), ("ce_specversion", b"1.0")]
    with pytest.raises(InvalidEvent, match="unknown event type"):
        decode_event(b"{}", [*base, ("ce_type", b"closeloop.nope.thing.v1")])
    ack = ("ce_type", b"closeloop.intake.complaint.acknowledged.v1")
    with pytest.raises(InvalidEvent, match="not JSON"):
        decode_event(b"{not json", [*base, ack])
    with pytest.raises(InvalidEvent, match="does not match"):
        decode_event(b'{"complaint_id": 5}', [*base, ack])
    with pytest.raises(InvalidEvent, match="ce_specversion"):
        decode_event(b"{}", [("ce_id", b"1"), ("ce_source", b"s"), ("ce_specversion", b"0.3"), ack])


def test_every_registered_type_follows_the_naming_scheme() -> None:
    assert EVENT_TYPES, "no event types registered"
    for name in EVENT_TYPES:
        assert TYPE_NAME.match(name), name


def test_bad_type_names_are_refused() -> None:
    with pytest.raises(ValueError, match="must look like"):
        event_type("intake.received", topic="t")
