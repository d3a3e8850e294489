"""A malformed event on each consumed topic goes to that topic's DLQ with its error, once per
consuming service; the partition keeps flowing; the DLQ metrics move (the consumer's
``closeloop_dead_letters_total`` and the audit's ``closeloop_dlq_size``)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from e2e_env import E2E, Role, auth, metric, produce, record_figures, scrape
from e2e_poison import (
    CONSUMERS,
    cloud_headers,
    group_offsets,
    marked_dead_letters,
    missing_dead_letters,
    stalled,
    type_on,
)

from bench.fault_stack import PARTITIONS
from closeloop_devstack.waiting import eventually
from closeloop_shared.topics import topic_by_name

pytestmark = pytest.mark.e2e

# Two kinds of poison: a body that is not JSON, and JSON that is not the declared event.
POISONS = ("body is not JSON", "body misses every field")


def poison_value(kind: str) -> bytes:
    return b"{not json" if kind == POISONS[0] else b'{"unexpected": true}'


async def test_poison_on_each_consumed_topic_is_dead_lettered_and_the_partition_flows(
    e2e: E2E,
) -> None:
    marker = f"poison-{uuid.uuid4().hex[:8]}"
    partitions = {t: topic_by_name(t).partitions or PARTITIONS for t in CONSUMERS}
    plan = [
        (topic, kind, p)
        for topic in CONSUMERS
        for kind in POISONS
        for p in range(partitions[topic])
    ]
    markers = [f"{marker}-{i}" for i in range(len(plan))]
    async with httpx.AsyncClient(timeout=30.0) as client:
        services = sorted({s for owners in CONSUMERS.values() for s in owners} | {"audit"})
        before = {svc: await scrape(client, e2e, svc) for svc in services}
        records = [
            (topic, b"CMP-POISON", poison_value(kind), cloud_headers(type_on(topic), m), p)
            for (topic, kind, p), m in zip(plan, markers, strict=True)
        ]
        placed = await produce(e2e.bootstrap, records)

        for topic in CONSUMERS:
            ours = [m for (t, _, _), m in zip(plan, markers, strict=True) if t == topic]

            async def all_dead_lettered(topic: str = topic, ours: list[str] = ours) -> bool:
                return not await missing_dead_letters(e2e.bootstrap, topic, ours)

            try:
                await eventually(all_dead_lettered, within=90, interval=1.0, what=topic)
            except AssertionError:
                missing = await missing_dead_letters(e2e.bootstrap, topic, ours)
                raise AssertionError("\n".join(missing)) from None
            for letter in await marked_dead_letters(e2e.bootstrap, topic, marker):
                assert letter["x-dlq-original-topic"] == topic
                assert letter.get("x-dlq-error") and letter.get("x-dlq-error-type"), letter

        async def all_flowing() -> bool:
            return not stalled(await group_offsets(e2e.bootstrap), placed)

        await eventually(all_flowing, within=60, interval=1.0, what="consumers past the poison")

        async def dlq_gauges_moved() -> bool:
            now = await scrape(client, e2e, "audit")
            return all(
                metric(now, "closeloop_dlq_size", topic=f"{t}.dlq")
                > metric(before["audit"], "closeloop_dlq_size", topic=f"{t}.dlq")
                for t in CONSUMERS
            )

        await eventually(dlq_gauges_moved, within=60, interval=1.0, what="closeloop_dlq_size")
        for topic, owners in CONSUMERS.items():
            for owner in owners:
                after = await scrape(client, e2e, owner)
                moved = metric(after, "closeloop_dead_letters_total", topic=topic) - metric(
                    before[owner], "closeloop_dead_letters_total", topic=topic
                )
                assert moved >= len(POISONS) * partitions[topic], f"{owner} on {topic}: {moved}"
        for svc in services:
            assert (await client.get(e2e.url(svc, "/readyz"))).status_code == 200, svc
        await a_new_complaint_still_flows(client, e2e)
    record_figures(poison_records=len(placed))


async def a_new_complaint_still_flows(client: httpx.AsyncClient, e2e: E2E) -> None:
    """After the poison, a complaint is still routed, clocked and audited."""
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"email": "after.poison@example.com"},
        "description": "毒消息之后的投诉：账单重复扣费",
    }
    reply = await client.post(
        e2e.url("intake", "/v1/complaints"), json=body, headers=auth(Role.channel)
    )
    assert reply.status_code == 201, reply.text
    cid = reply.json()["id"]
    admin = auth(Role.admin)

    async def everywhere() -> bool:
        urls = (
            e2e.url("routing", f"/v1/routing/complaints/{cid}"),
            e2e.url("sla", f"/v1/sla/complaints/{cid}"),
            e2e.url("audit", f"/v1/audit/complaints/{cid}"),
        )
        codes = [(await client.get(u, headers=admin)).status_code for u in urls]
        return codes == [200, 200, 200]

    await eventually(everywhere, within=60, what=f"{cid} routed, clocked and audited")
