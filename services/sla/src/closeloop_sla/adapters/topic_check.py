"""Start-up checks of the shared topics: provision what is missing (from
``closeloop_shared.topics``) and find the partition count the clock table must use."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient

from closeloop_shared.kafka.consumer import is_transient
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.topics import all_topics
from closeloop_sla.config import SlaSettings

log = logging.getLogger(__name__)
# closeloop_shared.kafka.provisioning logs ``extra={"created": ...}``, a name LogRecord
# reserves (KeyError at INFO); keep that logger quiet until the shared module is fixed.
logging.getLogger("closeloop_shared.kafka.provisioning").setLevel(logging.WARNING)


class TopicMismatch(RuntimeError):
    """The topics the clock table is co-partitioned with disagree on their partitions."""


async def partition_counts(bootstrap: str, names: Sequence[str]) -> dict[str, int]:
    """The partition count of each existing topic in ``names``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="closeloop-sla-check")
    await admin.start()
    try:
        described = await admin.describe_topics(list(names))
    finally:
        await admin.close()
    return {str(t["topic"]): len(t["partitions"]) for t in described if t.get("error_code") == 0}


async def prepare_topics(settings: SlaSettings, names: Sequence[str]) -> int:
    """Provision the shared topics (retrying while the broker comes up) and return the one
    partition count of ``names``; TopicMismatch if they differ or are missing."""
    deadline = asyncio.get_running_loop().time() + settings.startup_timeout_s
    while True:
        try:
            if settings.provision_topics:
                await ensure_topics(
                    settings.kafka_bootstrap,
                    all_topics(),
                    default_partitions=settings.topic_partitions,
                    replication=settings.topic_replication,
                )
            counts = await partition_counts(settings.kafka_bootstrap, names)
            break
        except Exception as exc:
            if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("kafka not reachable yet; retrying", extra={"error": repr(exc)})
            await asyncio.sleep(1.0)
    missing = sorted(set(names) - set(counts))
    if missing:
        raise TopicMismatch(f"topics missing (provisioning disabled?): {', '.join(missing)}")
    distinct = set(counts.values())
    if len(distinct) != 1:
        raise TopicMismatch(f"co-partitioned topics disagree on partitions: {counts}")
    partitions = distinct.pop()
    if partitions != settings.topic_partitions:
        log.warning(
            "existing topics decide the partition count",
            extra={"partitions": partitions, "configured": settings.topic_partitions},
        )
    return partitions
