"""The consumer-lag gauge sums what each consumed topic's partitions are behind."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY

from closeloop_sla.service.lag_report import report_lag


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


class FakeConsumer:
    def __init__(self) -> None:
        self.high = {TP("t.lag.a", 0): 10, TP("t.lag.a", 1): 5, TP("t.lag.b", 0): 7}
        self.pos = {TP("t.lag.a", 0): 4, TP("t.lag.a", 1): 5, TP("t.lag.b", 0): None}

    def assignment(self) -> set[TP]:
        return set(self.high)

    def highwater(self, tp: TP) -> int:
        return self.high[tp]

    async def position(self, tp: TP) -> int | None:
        if tp.topic == "t.lag.b":
            raise RuntimeError("rebalancing")
        return self.pos[tp]


async def test_lag_is_summed_per_topic_and_unanswered_partitions_are_skipped() -> None:
    await report_lag(FakeConsumer(), {"t.lag.a", "t.lag.b"})

    def lag(topic: str) -> float | None:
        labels = {"group": "sla-clocks", "topic": topic}
        return REGISTRY.get_sample_value("closeloop_consumer_lag", labels)

    assert lag("t.lag.a") == 6
    assert lag("t.lag.b") is None
