"""Poison messages: who consumes which topic, how to mark a record as deliberately
poisoned, and how to see where it went (DLQ records, consumer-group progress)."""

from __future__ import annotations

import uuid
from collections import Counter

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from e2e_env import POISON_HEADER, SERVICES, headers_of, read_topic

from closeloop_shared.events.registry import EVENT_TYPES
from closeloop_shared.topics import (
    COMPLAINT_LIFECYCLE,
    FEEDBACK_EVENTS,
    ROUTING_EVENTS,
    SLA_COMMANDS,
    SLA_EVENTS,
)

# The services that consume each topic through a dead-lettering consumer (architecture.md:
# "Services"; feedback's insights also read its own events). The audit consumes every topic
# too but logs poison instead of refusing it, so its group is not expected to dead-letter.
CONSUMERS: dict[str, frozenset[str]] = {
    COMPLAINT_LIFECYCLE.name: frozenset({"routing", "sla", "feedback"}),
    ROUTING_EVENTS.name: frozenset({"intake", "sla", "feedback"}),
    SLA_EVENTS.name: frozenset({"intake", "routing", "feedback"}),
    SLA_COMMANDS.name: frozenset({"sla"}),
    FEEDBACK_EVENTS.name: frozenset({"intake", "feedback"}),
}
LOGS_POISON = "audit"  # the consumer group that records poison rather than refusing it
Headers = list[tuple[str, bytes]]


def type_on(topic: str) -> str:
    """A registered event type published on ``topic``."""
    return sorted(t for t, info in EVENT_TYPES.items() if info.topic == topic)[0]


def cloud_headers(ce_type: str, marker: str, subject: str = "CMP-POISON") -> Headers:
    """Valid CloudEvents headers plus the deliberate-poison marker."""
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"/e2e/poison"),
        ("ce_subject", subject.encode()),
        ("ce_time", b"2026-11-20T09:30:00+08:00"),
        ("content-type", b"application/json"),
        (POISON_HEADER, marker.encode()),
    ]


async def marked_dead_letters(bootstrap: str, topic: str, prefix: str) -> list[dict[str, str]]:
    """Headers of the records in ``<topic>.dlq`` whose marker starts with ``prefix``."""
    found = []
    for record in await read_topic(bootstrap, f"{topic}.dlq", within=15):
        headers = headers_of(record)
        if headers.get(POISON_HEADER, "").startswith(prefix):
            found.append(headers)
    return found


async def group_offsets(bootstrap: str) -> dict[str, dict[TopicPartition, int]]:
    """Committed offsets of every consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = {}
        for group, *_ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            offsets[group] = {tp: meta.offset for tp, meta in committed.items()}
        return offsets
    finally:
        await admin.close()


def group_of(service: str, groups: dict[str, dict[TopicPartition, int]], topic: str) -> list[str]:
    """The consumer groups of ``service`` that committed offsets on ``topic``."""
    return [
        g
        for g, offsets in groups.items()
        if service in g and any(tp.topic == topic for tp in offsets)
    ]


def stalled(
    groups: dict[str, dict[TopicPartition, int]],
    placed: list[tuple[str, int, int]],
) -> list[str]:
    """(group, topic, partition) whose committed offset has not passed a placed record, for
    every group that consumes that topic."""
    behind = []
    for topic, partition, offset in placed:
        tp = TopicPartition(topic, partition)
        for group, offsets in groups.items():
            if any(t.topic == topic for t in offsets) and offsets.get(tp, -1) <= offset:
                behind.append(f"{group} {topic}[{partition}] at {offsets.get(tp)} <= {offset}")
    return behind


async def dead_letter_groups(bootstrap: str, topic: str, prefix: str) -> dict[str, list[str]]:
    """Consumer groups that dead-lettered each marked record of ``<topic>.dlq``, by marker
    (markers starting with ``prefix``)."""
    found: dict[str, list[str]] = {}
    for record in await read_topic(bootstrap, f"{topic}.dlq", within=15):
        headers = headers_of(record)
        marker = headers.get(POISON_HEADER, "")
        if marker.startswith(prefix):
            found.setdefault(marker, []).append(headers.get("x-dlq-consumer-group", ""))
    return found


def service_of(group: str) -> str:
    """The service a consumer group belongs to (its name contains the service's)."""
    return next((s for s in SERVICES if s in group), group)


async def missing_dead_letters(bootstrap: str, topic: str, markers: list[str]) -> list[str]:
    """What is not (yet) true: each marked record was dead-lettered by every consumer group
    reading ``topic`` (but the audit's), and every service of ``CONSUMERS`` has such a group.

    Groups are counted per service: a record must be dead-lettered under as many distinct
    group names of a service as that service has groups on the topic (the names in the
    ``x-dlq-consumer-group`` header are compared by service, not character by character)."""
    offsets = await group_offsets(bootstrap)
    groups = [
        g
        for g, committed in offsets.items()
        if LOGS_POISON not in g and any(tp.topic == topic for tp in committed)
    ]
    per_service = Counter(service_of(g) for g in groups)
    letters = await dead_letter_groups(bootstrap, topic, shared_prefix(markers))
    missing = [
        f"{topic}: no consumer group of {service}"
        for service in sorted(CONSUMERS[topic])
        if not per_service[service]
    ]
    for m in markers:
        seen = Counter(service_of(g) for g in set(letters.get(m, [])))
        missing += [
            f"{topic} {m}: dead-lettered by {seen[s]} of {n} groups of {s} {sorted(groups)} "
            f"(headers name {sorted(set(letters.get(m, [])))})"
            for s, n in per_service.items()
            if seen[s] < n
        ]
    return missing


def shared_prefix(markers: list[str]) -> str:
    """The longest common prefix of the markers."""
    if not markers:
        return ""
    first, last = min(markers), max(markers)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first if size is None else first[:size]
