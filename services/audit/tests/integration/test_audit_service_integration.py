"""The audit service in-process against real Kafka and SecantusDB: a few hundred events on
every topic are logged once each, verified, checkpointed, signed, published and proven;
then each kind of tampering in the database is reported at the right seq."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_audit.adapters.signing import verify_signature
from closeloop_audit.bootstrap import bootstrap
from closeloop_audit.config import AuditSettings
from closeloop_audit.domain.chain import entry_hash_of
from closeloop_audit.domain.checkpoint import checkpoint_message
from closeloop_audit.domain.merkle import verify_consistency, verify_inclusion
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.events import CloudEvent
from closeloop_shared.events.audit import CheckpointSigned
from closeloop_shared.events.common import ActedBy
from closeloop_shared.events.envelope import decode_event, encode_event
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import Document, connect

pytestmark = pytest.mark.integration
TOPICS = (
    "complaints.lifecycle.v1",
    "complaints.public.v1",
    "routing.events.v1",
    "sla.events.v1",
    "sla.commands.v1",
    "feedback.events.v1",
)
DLQ = "routing.events.v1.dlq"


@dataclass
class Audit:
    settings: AuditSettings
    http: httpx.AsyncClient
    db: AsyncDatabase[Document]
    producer: EventProducer
    auditor: dict[str, str]


async def until(check: Callable[[], Awaitable[bool]], limit_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)


@pytest.fixture
async def audit(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[Audit]:
    settings = AuditSettings(
        env="development",
        kafka_bootstrap=kafka_bootstrap,
        mongo_uri=mongo_uri,
        mongo_db_prefix=f"{unique_name('db')}_",
        audit_consumer_group=unique_name("audit"),
        topic_partitions=2,
        consumer_batch_size=50,
        audit_checkpoint_every=100,
        audit_checkpoint_interval_s=0.5,
        audit_verify_interval_s=3600,
        audit_dlq_poll_interval_s=0.5,
    )
    app, runtime = bootstrap(settings)
    producer = EventProducer(kafka_bootstrap, client_id="audit-test")
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="audit-test")
    token = issue_dev_token(settings, role=Role.auditor)
    async with runtime.lifespan(app):
        await producer.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://audit") as http:
            yield Audit(
                settings,
                http,
                client[settings.database_name],
                producer,
                {"Authorization": f"Bearer {token}"},
            )
        await producer.stop()
    await client.close()


def headers(event_id: str, subject: str, ce_type: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"closeloop/test"),
        ("ce_subject", subject.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", b"application/json"),
    ]


async def produce(audit: Audit, tag: str) -> tuple[set[str], str]:
    """~330 records on every topic: events, republished duplicates, dead letters (copies of
    events and poison). Returns the ids the log must hold, and one complaint id."""
    expected: set[str] = set()
    complaint = f"CMP-{tag}-0"
    for i in range(300):
        topic, subject = TOPICS[i % len(TOPICS)], f"CMP-{tag}-{i % 10}"
        event_id = f"{tag}-{i}"
        body = b'{"complaint_id":"%s","n":%d,"note":"x"}' % (subject.encode(), i)
        await audit.producer.send_raw(
            topic,
            body,
            key=subject.encode(),
            headers=headers(event_id, subject, "closeloop.test.thing.v1"),
        )
        expected.add(event_id)
    for i in range(0, 300, 15):  # an outbox relay republishing after a crash
        topic = TOPICS[i % len(TOPICS)]
        await audit.producer.send_raw(
            topic,
            b"{}",
            key=None,
            headers=headers(f"{tag}-{i}", complaint, "closeloop.test.thing.v1"),
        )
    ack = ComplaintAcknowledged(
        complaint_id=complaint,
        at=datetime.now(UTC),
        version=2,
        actor="agent-1",
        status="acknowledged",
        acted_by=ActedBy(subject="agent-1", role="agent"),
    )
    event = CloudEvent.of(ack, source="closeloop/test", subject=complaint, id=f"{tag}-ack")
    await audit.producer.publish(event)
    expected.add(event.id)
    key, value, event_headers = encode_event(event)
    for _ in range(2):  # two consumer groups dead-letter the same event
        await audit.producer.send_raw(DLQ, value, key=key, headers=event_headers)
    for i in range(5):
        await audit.producer.send_raw(DLQ, b"\xffnot json %d" % i, key=None, headers=[])
    return expected, complaint


async def logged(audit: Audit, ids: set[str]) -> int:
    return await audit.db.entries.count_documents({"event_id": {"$in": sorted(ids)}})


async def verify(audit: Audit) -> dict[str, Any]:
    reply = await audit.http.get("/v1/audit/verify", headers=audit.auditor)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_events_are_logged_once_verified_checkpointed_and_proven(audit: Audit) -> None:
    tag = uuid.uuid4().hex[:8]
    expected, complaint = await produce(audit, tag)

    async def all_logged() -> bool:
        return await logged(audit, expected) == len(expected)

    await until(all_logged)
    dead_copies = await audit.db.entries.count_documents({"event_id": {"$regex": f"^{tag}-ack@"}})
    poison = await audit.db.entries.count_documents({"topic": DLQ, "event_type": "unknown"})
    assert dead_copies == 2 and poison >= 5
    head = await audit.db.entries.find_one({}, sort=[("_id", -1)])
    assert head is not None
    body = await verify(audit)
    assert body["ok"] is True and body["first_bad"] is None and body["entries"] >= head["_id"]

    async def head_checkpointed() -> bool:
        latest = await audit.http.get("/v1/audit/checkpoints/latest", headers=audit.auditor)
        return latest.status_code == 200 and latest.json()["tree_size"] >= head["_id"]

    await until(head_checkpointed)
    await check_checkpoint_and_proofs(audit, head["_id"])
    await check_trail(audit, complaint)
    await check_published_checkpoint(audit)
    await check_metrics(audit)


async def check_checkpoint_and_proofs(audit: Audit, head_seq: int) -> None:
    key = (await audit.http.get("/v1/audit/public-key", headers=audit.auditor)).json()
    cp = (await audit.http.get("/v1/audit/checkpoints/latest", headers=audit.auditor)).json()
    signed_at = datetime.fromisoformat(cp["signed_at"])
    message = checkpoint_message(cp["tree_size"], cp["root_hash"], signed_at, key["key_id"])
    assert cp["signed_message"].encode() == message
    assert verify_signature(key["public_key"], message, cp["signature"])

    seq = max(1, head_seq // 2)
    proof = (await audit.http.get(f"/v1/audit/proofs/{seq}", headers=audit.auditor)).json()
    path = [bytes.fromhex(node) for node in proof["audit_path"]]
    leaf = bytes.fromhex(proof["leaf_hash"])
    assert proof["leaf_hash"] == entry_hash_of(proof["entry"])
    assert verify_inclusion(leaf, seq - 1, cp["tree_size"], path, bytes.fromhex(cp["root_hash"]))

    listed = (await audit.http.get("/v1/audit/checkpoints", headers=audit.auditor)).json()
    sizes = sorted(c["tree_size"] for c in listed["checkpoints"])
    assert len(sizes) >= 2
    old, new = sizes[0], sizes[-1]
    reply = await audit.http.get(
        f"/v1/audit/proofs/consistency?from={old}&to={new}", headers=audit.auditor
    )
    body = reply.json()
    assert (body["from"], body["to"]) == (old, new)
    nodes = [bytes.fromhex(node) for node in body["proof"]]
    old_root = bytes.fromhex(body["from_checkpoint"]["root_hash"])
    new_root = bytes.fromhex(body["to_checkpoint"]["root_hash"])
    assert verify_consistency(old, new, old_root, new_root, nodes)
    missing = await audit.http.get("/v1/audit/proofs/1?tree_size=999999", headers=audit.auditor)
    assert missing.status_code == 404
    backwards = await audit.http.get(
        f"/v1/audit/proofs/consistency?from={new}&to={old}", headers=audit.auditor
    )
    assert backwards.status_code == (422 if old != new else 200)


async def check_trail(audit: Audit, complaint: str) -> None:
    reply = await audit.http.get(f"/v1/audit/complaints/{complaint}", headers=audit.auditor)
    trail = reply.json()["entries"]
    assert len(trail) >= 30 and all(entry["subject"] == complaint for entry in trail)
    assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail)
    assert all(entry_hash_of(entry) == entry["entry_hash"] for entry in trail)
    assert {"payload_sealed", "payload", "customer_sealed"}.isdisjoint(trail[0])
    [ack] = [e for e in trail if e["event_type"].endswith(".acknowledged.v1") and e["topic"] != DLQ]
    assert ack["actor"] == {"subject": "agent-1", "role": "agent"}  # who acted
    assert all(e["actor"] is None for e in trail if e["topic"] == DLQ)
    unknown = await audit.http.get("/v1/audit/complaints/CMP-none", headers=audit.auditor)
    assert unknown.status_code == 404
    agent = issue_dev_token(audit.settings, role=Role.agent)
    forbidden = await audit.http.get(
        f"/v1/audit/complaints/{complaint}", headers={"Authorization": f"Bearer {agent}"}
    )
    assert forbidden.status_code == 403
    assert (await audit.http.get("/v1/audit/verify")).status_code == 401


async def check_published_checkpoint(audit: Audit) -> None:
    cp = (await audit.http.get("/v1/audit/checkpoints/latest", headers=audit.auditor)).json()
    consumer = AIOKafkaConsumer(
        "audit.checkpoints",
        bootstrap_servers=audit.settings.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        found: CheckpointSigned | None = None
        deadline = asyncio.get_running_loop().time() + 30
        while found is None and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    data = decode_event(record.value, record.headers).data
                    assert isinstance(data, CheckpointSigned)
                    if data.root_hash == cp["root_hash"] and data.tree_size == cp["tree_size"]:
                        found = data
        assert found is not None, "the latest checkpoint was not published"
        message = checkpoint_message(
            found.tree_size, found.root_hash, found.signed_at, found.key_id
        )
        assert verify_signature(cp["public_key"], message, found.signature)
    finally:
        await consumer.stop()


async def check_metrics(audit: Audit) -> None:
    async def dlq_measured() -> bool:
        text = (await audit.http.get("/metrics")).text
        return f'closeloop_dlq_size{{topic="{DLQ}"}}' in text

    await until(dlq_measured)
    text = (await audit.http.get("/metrics")).text
    for name in (
        "closeloop_audit_entries_total",
        "closeloop_audit_chain_length",
        "closeloop_audit_checkpoints_total",
    ):
        assert name in text
    assert "closeloop_audit_verify_ok 1.0" in text


async def test_tampering_in_the_database_is_reported_at_the_right_seq(audit: Audit) -> None:
    expected, _ = await produce(audit, uuid.uuid4().hex[:8])

    async def all_logged() -> bool:
        return await logged(audit, expected) == len(expected)

    await until(all_logged)
    assert (await verify(audit))["ok"] is True
    entries = audit.db.entries
    ids = sorted(
        [doc["_id"] async for doc in entries.find({"event_id": {"$in": sorted(expected)}})]
    )
    a, b, c, d = (ids[len(ids) * k // 5] for k in (1, 2, 3, 4))

    async def tampered(first_bad: int, problem: str) -> None:
        body = await verify(audit)
        assert (body["ok"], body["first_bad"], body["problem"]) == (False, first_bad, problem)

    original = await entries.find_one({"_id": a})
    assert original is not None
    await entries.update_one({"_id": a}, {"$set": {"payload_hash": "0" * 64}})
    await tampered(a, "modified")
    await entries.replace_one({"_id": a}, original)
    assert (await verify(audit))["ok"] is True

    original = await entries.find_one({"_id": b})
    assert original is not None
    await entries.update_one({"_id": b}, {"$set": {"prev_hash": "f" * 64}})
    await tampered(b, "modified")
    await entries.replace_one({"_id": b}, original)

    original = await entries.find_one({"_id": c})
    assert original is not None
    await entries.delete_one({"_id": c})
    await tampered(c, "missing")
    await entries.insert_one(original)

    first, second = await entries.find_one({"_id": d}), await entries.find_one({"_id": d + 1})
    assert first is not None and second is not None
    swap = (
        "recorded_at",
        "topic",
        "partition",
        "offset",
        "event_id",
        "event_type",
        "subject",
        "payload_hash",
        "prev_hash",
        "entry_hash",
        "payload_sealed",
    )
    await entries.delete_many({"_id": {"$in": [d, d + 1]}})  # event_id is unique
    await entries.insert_many(
        [{**first, **{k: second[k] for k in swap}}, {**second, **{k: first[k] for k in swap}}]
    )
    await tampered(d, "reordered")
    await entries.delete_many({"_id": {"$in": [d, d + 1]}})
    await entries.insert_many([first, second])
    assert (await verify(audit))["ok"] is True
