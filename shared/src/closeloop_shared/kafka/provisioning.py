"""Declarative topic provisioning, run at service start-up: create what is missing with the
declared partitions and configs; leave existing topics' partition counts alone (they can
only grow, and growing re-keys complaints)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from closeloop_shared.topics import TopicSpec

log = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    *,
    default_partitions: int,
    replication: int = 1,
) -> list[str]:
    """Create every missing topic in ``specs``; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="closeloop-provisioner")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [s for s in specs if s.name not in existing]
        if not wanted:
            return []
        new = [
            NewTopic(
                name=s.name,
                num_partitions=s.partitions or default_partitions,
                replication_factor=replication,
                topic_configs=s.config(),
            )
            for s in wanted
        ]
        try:
            response = await admin.create_topics(new)
        except TopicAlreadyExistsError:
            return []  # another service won the race; that is fine
        created = []
        for name, code, *_ in getattr(response, "topic_errors", ()):
            if code in (0, 36):  # 36: TOPIC_ALREADY_EXISTS (raced with another service)
                created.append(name) if code == 0 else None
            else:
                raise RuntimeError(f"creating topic {name} failed with Kafka error code {code}")
        log.info("topics provisioned", extra={"topics_created": created})
        return created
    finally:
        await admin.close()
