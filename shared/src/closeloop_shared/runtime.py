"""The runtime every service composes in its ``bootstrap.py``: MongoDB client and database,
the idempotent producer, topic provisioning and consumer loops, with readiness checks and an
orderly start and stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_shared.auth import TokenVerifier
from closeloop_shared.database_state import DatabaseState
from closeloop_shared.kafka.consumer import ConsumerLoop, Handler, is_transient
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.kafka.supervision import request_exit
from closeloop_shared.mongo import Document, IndexSpec, connect, ensure_indexes, ping
from closeloop_shared.observability.health import Readiness
from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import all_topics

log = logging.getLogger(__name__)
Task = Callable[[], Awaitable[None]]


@dataclass
class Subscription:
    """A consumer group of this service: which topics, which handler."""

    group_suffix: str
    topics: Sequence[str]
    handler: Handler


@dataclass
class ServiceRuntime:
    """Infrastructure of one service process."""

    settings: ServiceSettings
    indexes: Iterable[IndexSpec] = ()
    subscriptions: list[Subscription] = field(default_factory=list)
    readiness: Readiness = field(default_factory=Readiness)
    liveness: Readiness = field(default_factory=Readiness)  # failing checks: restart me
    background: list[Task] = field(default_factory=list)
    on_start: list[Task] = field(default_factory=list)
    on_stop: list[Task] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.settings
        self.database_state = DatabaseState()
        self.client: AsyncMongoClient[Document] = connect(
            s.mongo_uri,
            app_name=s.service_name,
            heartbeat_ms=s.mongo_heartbeat_ms,
            listeners=[self.database_state],
        )
        self.db: AsyncDatabase[Document] = self.client[s.database_name]
        self.producer = EventProducer(s.kafka_bootstrap, client_id=f"{s.service_name}-producer")
        self.consumers: list[ConsumerLoop] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._producer_started = False
        self.readiness.add("mongo", lambda: ping(self.client))
        self.readiness.add("kafka_producer", lambda: self._producer_started)

    def subscribe(self, group_suffix: str, topics: Sequence[str], handler: Handler) -> None:
        """Declare a consumer group ``<service>-<suffix>`` started with the service."""
        self.subscriptions.append(Subscription(group_suffix, topics, handler))

    async def start(self) -> None:
        s = self.settings
        if s.provision_topics:
            await ensure_topics(
                s.kafka_bootstrap,
                all_topics(),
                default_partitions=s.topic_partitions,
                replication=s.topic_replication,
            )
        await ensure_indexes(self.db, self.indexes)
        await self.producer.start()
        self._producer_started = True
        for hook in self.on_start:
            await hook()
        for sub in self.subscriptions:
            group = f"{s.service_name}-{sub.group_suffix}"
            loop = ConsumerLoop(
                bootstrap=s.kafka_bootstrap,
                group_id=group,
                topics=sub.topics,
                handler=sub.handler,
                dlq_producer=self.producer,
                max_retries=s.consumer_max_retries,
                backoff_s=s.consumer_retry_backoff_s,
                batch_size=s.consumer_batch_size,
                transient_retry_s=s.consumer_transient_retry_s,
                dlq_send_attempts=s.consumer_dlq_send_attempts,
                stall_after_s=s.consumer_stall_after_s,
                on_fatal=request_exit,
            )
            await loop.start()
            self.consumers.append(loop)
            # Ready once the group has its partitions: with several members in one process
            # (or more members than partitions) some members rightly get none.
            members = [c for c in self.consumers if c.group_id == group]
            self.readiness.add(f"consumer:{group}", _assigned_check(members))
            self.liveness.add(f"consumer:{group}", _alive_check(members))
        for task in self.background:
            self._tasks.append(asyncio.create_task(_forever(task), name=task.__name__))
        log.info("service started", extra={"service_port": s.port})

    async def _prepare(self) -> None:
        s = self.settings
        if s.provision_topics:
            await ensure_topics(
                s.kafka_bootstrap,
                all_topics(),
                default_partitions=s.topic_partitions,
                replication=s.topic_replication,
            )
        await ensure_indexes(self.db, self.indexes)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a task that swallows its cancellation must not hang the shutdown.
            _, stuck = await asyncio.wait(self._tasks, timeout=10)
            for task in stuck:
                log.warning("background task ignored cancellation", extra={"task": task.get_name()})
        for consumer in self.consumers:
            await consumer.stop()
        for hook in self.on_stop:
            await hook()
        await self.producer.stop()
        await self.client.close()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """FastAPI lifespan: start everything, serve, stop everything."""
        app.state.token_verifier = TokenVerifier(self.settings)
        app.state.liveness = self.liveness
        app.state.database_state = self.database_state  # requests fail fast while it is down
        try:
            await self.start()
        except BaseException:
            await self.stop()  # release what did start (producer, consumers, client)
            raise
        try:
            yield
        finally:
            await self.stop()


async def _forever(task: Task) -> None:
    """Run a background loop; restart it after an unexpected error instead of dying."""
    while True:
        try:
            await task()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task failed; restarting", extra={"task": task.__name__})
            await asyncio.sleep(1)


def _assigned_check(members: list[ConsumerLoop]) -> Callable[[], bool]:
    """Ready while some member has partitions and none gave up (a paused partition)."""
    return lambda: any(m.assigned for m in members) and not any(m.failed for m in members)


def _alive_check(members: list[ConsumerLoop]) -> Callable[[], bool]:
    return lambda: all(member.alive for member in members)


async def _until_available(step: Task, timeout_s: float) -> None:
    """Retry a start-up step while its dependency is still coming up (e.g. the broker
    starting after the service), then give up with the last error."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    delay = 0.5
    while True:
        try:
            await step()
            return
        except Exception as exc:
            if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("dependency not reachable yet; retrying", extra={"error": repr(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
