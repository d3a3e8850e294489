"""How a Kafka record becomes a log entry: identity, payload hash, type and subject."""

from __future__ import annotations

import json
from hashlib import sha256

from closeloop_audit.domain.chain import hash_payload
from closeloop_audit.domain.records import (
    UNKNOWN_TYPE,
    RawRecord,
    describe_record,
    record_actor,
    record_event_id,
    record_payload_hash,
)

HEADERS = {
    "ce_id": "evt-1",
    "ce_type": "closeloop.intake.complaint.received.v1",
    "ce_subject": "CMP-1",
}


def record(
    topic: str = "complaints.lifecycle.v1",
    *,
    value: bytes | None = b'{"b":1,"a":2}',
    headers: dict[str, str] | None = None,
    key: bytes | None = b"CMP-1",
    offset: int = 7,
) -> RawRecord:
    return RawRecord(topic, 2, offset, key, value, HEADERS if headers is None else headers)


def test_main_topic_event_is_identified_by_its_cloudevents_id() -> None:
    assert record_event_id(record()) == "evt-1"


def test_republished_event_at_another_offset_keeps_its_identity() -> None:
    assert record_event_id(record(offset=7)) == record_event_id(record(offset=99))


def test_record_without_ce_id_is_identified_by_its_coordinates() -> None:
    assert record_event_id(record(headers={})) == "complaints.lifecycle.v1:2:7"


def test_dead_letter_is_not_deduplicated_against_the_event_it_copies() -> None:
    dead = record("complaints.lifecycle.v1.dlq")
    assert record_event_id(dead) == "evt-1@complaints.lifecycle.v1.dlq:2:7"
    assert record_event_id(dead) != record_event_id(record())


def test_poison_dead_letter_without_headers_gets_its_coordinates() -> None:
    poison = record("sla.events.v1.dlq", value=b"\xff\xfe not json", headers={}, key=None)
    assert record_event_id(poison) == "sla.events.v1.dlq:2:7"
    assert record_payload_hash(poison) == sha256(b"\xff\xfe not json").hexdigest()


def test_json_payload_hash_does_not_depend_on_key_order_or_spacing() -> None:
    spaced = record(value=b'{ "a": 2,\n "b": 1 }')
    assert record_payload_hash(record()) == record_payload_hash(spaced)
    assert record_payload_hash(record()) == hash_payload({"a": 2, "b": 1})


def test_dead_letter_payload_is_hashed_as_raw_bytes() -> None:
    raw = b'{"b":1,"a":2}'
    assert record_payload_hash(record("x.v1.dlq", value=raw)) == sha256(raw).hexdigest()


def test_non_json_and_empty_payloads_hash_their_bytes() -> None:
    assert record_payload_hash(record(value=b"plain")) == sha256(b"plain").hexdigest()
    assert record_payload_hash(record(value=None)) == sha256(b"").hexdigest()
    nan = json.dumps({"x": float("nan")}).encode()  # not I-JSON: canonical form refuses it
    assert record_payload_hash(record(value=nan)) == sha256(nan).hexdigest()


def test_description_takes_type_and_subject_from_headers() -> None:
    event = describe_record(record(), recorded_at="2026-01-01T00:00:00+00:00")
    assert (event.event_type, event.subject) == ("closeloop.intake.complaint.received.v1", "CMP-1")
    assert (event.topic, event.partition, event.offset) == ("complaints.lifecycle.v1", 2, 7)


def test_description_falls_back_to_key_and_unknown_type() -> None:
    event = describe_record(record(headers={}, key=b"CMP-9"), recorded_at="t")
    assert (event.event_type, event.subject) == (UNKNOWN_TYPE, "CMP-9")
    assert describe_record(record(headers={}, key=None), recorded_at="t").subject is None


def test_the_actor_is_read_from_the_event_and_never_fails() -> None:
    acted = b'{"acted_by": {"subject": "sup-1", "role": "supervisor"}, "actor": "sup-1"}'
    assert record_actor(record(value=acted)) == {"subject": "sup-1", "role": "supervisor"}
    assert record_actor(record(value=b'{"actor": "agent-7"}')) == {
        "subject": "agent-7",
        "role": None,
    }
    for value in (b'{"b":1}', b"\xffnot json", b"[1, 2]", None, b'{"acted_by": "x"}'):
        assert record_actor(record(value=value)) is None
    assert record_actor(record("complaints.lifecycle.v1.dlq", value=acted)) is None
