"""Hypothesis feeds malformed CloudEvents to the consumers through the real topics: random
headers (CloudEvents attributes present, missing or garbled) and random bodies (bytes, JSON
of any shape, near-miss event bodies). Every record the event contract rejects must land in
its topic's DLQ once per consuming service, the consumers must keep flowing past it and
every service must stay ready."""

from __future__ import annotations

import asyncio
import json
import string
import uuid
from typing import Any

import httpx
import pytest
from e2e_env import E2E, POISON_HEADER, SERVICES, produce, record_figures
from e2e_poison import CONSUMERS, group_offsets, missing_dead_letters, stalled
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from closeloop_devstack.waiting import eventually
from closeloop_shared.events.envelope import InvalidEvent, decode_event
from closeloop_shared.events.registry import EVENT_TYPES

pytestmark = pytest.mark.e2e

EXAMPLES = 40
MARK = f"hyp-{uuid.uuid4().hex[:8]}"
CE_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time")
FIELDS = sorted({f for info in EVENT_TYPES.values() for f in info.model.model_fields})
_placed: list[tuple[str, int, int, str]] = []  # topic, partition, offset, marker

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def as_json(value: Any) -> bytes:
    """JSON bytes (the standard library: integers of any size, like a hostile producer's)."""
    return json.dumps(value).encode()


header_names = st.sampled_from((*CE_HEADERS, "content-type")) | st.text(
    alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=24
).filter(lambda name: not name.startswith("x-dlq-") and name != POISON_HEADER)
header_values = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"1.0", b"0.3", b"", *(t.encode() for t in EVENT_TYPES)]),
    st.text(max_size=40).map(str.encode),
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=512),
    json_values.map(as_json),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8).map(as_json),
)


@st.composite
def valid_headers(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    """Well-formed CloudEvents headers of a registered type (so the body is what is wrong)."""
    ce_type = draw(st.sampled_from(sorted(EVENT_TYPES)))
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"/hypothesis"),
        ("ce_subject", draw(st.text(max_size=30)).encode()),
        ("content-type", b"application/json"),
    ]


records = st.fixed_dictionaries(
    {
        "topic": st.sampled_from(sorted(CONSUMERS)),
        "key": st.none() | st.binary(min_size=1, max_size=24),
        "value": bodies,
        "headers": st.lists(st.tuples(header_names, header_values), max_size=8) | valid_headers(),
    }
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=records)
def test_malformed_cloudevents_go_onto_the_real_topics(e2e: E2E, record: dict[str, Any]) -> None:
    if record["value"] is None and not record["key"]:
        record["value"] = b""  # Kafka needs a key or a value
    try:
        decode_event(record["value"], record["headers"])
    except InvalidEvent:
        pass
    else:
        assume(False)  # a record the contract accepts is not malformed
    marker = f"{MARK}-{len(_placed)}"
    headers = [*record["headers"], (POISON_HEADER, marker.encode())]
    sent = (record["topic"], record["key"], record["value"], headers, None)
    topic, partition, offset = asyncio.run(produce(e2e.bootstrap, [sent]))[0]
    _placed.append((topic, partition, offset, marker))


async def test_every_malformed_event_is_dead_lettered_and_consumers_keep_flowing(
    e2e: E2E,
) -> None:
    assert _placed, "the producing test must run first"
    placed = [(t, p, o) for t, p, o, _ in _placed]

    async def flowing() -> bool:
        return not stalled(await group_offsets(e2e.bootstrap), placed)

    await eventually(flowing, within=120, interval=1.0, what="consumers past every record")
    missing: list[str] = []
    for topic in CONSUMERS:
        ours = [m for t, _, _, m in _placed if t == topic]
        if not ours:
            continue

        async def complete(topic: str = topic, ours: list[str] = ours) -> bool:
            return not await missing_dead_letters(e2e.bootstrap, topic, ours)

        try:
            await eventually(complete, within=60, interval=1.0, what=f"{topic} dead letters")
        except AssertionError:
            missing += await missing_dead_letters(e2e.bootstrap, topic, ours)
    async with httpx.AsyncClient(timeout=10.0) as client:
        for service in SERVICES:
            ready = await client.get(e2e.url(service, "/readyz"))
            assert ready.status_code == 200, f"{service}:\n{e2e.log_tail(service)}"
    record_figures(hypothesis_malformed_events=len(_placed))
    assert not missing, "\n".join(missing)
