"""``closeloop_consumer_lag{group="sla-clocks",topic}``: records behind the high-water mark
on the partitions this worker consumes (the stalled-pipeline alert uses it)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection
from typing import Any

from closeloop_shared.observability.metrics import CONSUMER_LAG

GROUP = "sla-clocks"


async def report_lag(consumer: Any, topics: Collection[str]) -> None:
    """Set the lag gauge of ``topics`` once from faust's consumer (positions move during
    rebalances, so a partition that cannot answer is skipped this round; faust's own
    changelog partitions are not reported)."""
    per_topic: Counter[str] = Counter()
    for tp in consumer.assignment():
        if tp.topic not in topics:
            continue
        try:
            high = consumer.highwater(tp)
            position = await consumer.position(tp)
        except Exception:  # noqa: S112 - unknown right after a rebalance; next round
            continue
        if high is not None and position is not None:
            per_topic[tp.topic] += max(0, high - position)
    for topic, lag in per_topic.items():
        CONSUMER_LAG.labels(GROUP, topic).set(lag)


def lag_reporter(app: Any, topics: Collection[str], interval_s: float = 5.0) -> Any:
    """A faust task reporting the lag of ``topics`` every ``interval_s``."""

    async def report_consumer_lag() -> None:
        while True:
            await asyncio.sleep(interval_s)
            if not app.rebalancing:
                await report_lag(app.consumer, topics)

    return report_consumer_lag
