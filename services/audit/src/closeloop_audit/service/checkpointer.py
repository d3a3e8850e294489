"""Signed checkpoints: every N entries or T seconds, sign the Merkle root, store it, and
publish it to the compacted ``audit.checkpoints`` topic so other parties keep copies.

A checkpoint is stored before it is published. If publishing fails (or the process dies in
between), the checkpoint stays pending and is published on the next tick; after a restart
the latest stored checkpoint is published again (same event id and key, so the compacted
topic simply keeps it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from closeloop_audit.adapters.checkpoint_store import CheckpointStore, StoredCheckpoint
from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.domain.checkpoint import ORIGIN, Checkpoint, checkpoint_due
from closeloop_audit.metrics import AUDIT_CHECKPOINTS
from closeloop_audit.service.log_writer import LogWriter
from closeloop_shared.events.audit import CheckpointSigned
from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.kafka.producer import EventProducer

log = logging.getLogger(__name__)
SOURCE = source_of("audit")


def _now_ms() -> datetime:
    # Millisecond precision survives every store and transport unchanged.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def checkpoint_event(checkpoint: Checkpoint) -> CloudEvent:
    """The ``CheckpointSigned`` event for a checkpoint (keyed by the log's origin)."""
    body = CheckpointSigned(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        signed_at=checkpoint.signed_at,
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )
    return CloudEvent.of(
        body,
        source=SOURCE,
        subject=ORIGIN,
        id=f"{ORIGIN}:checkpoint:{checkpoint.tree_size}",
        time=checkpoint.signed_at,
    )


class Checkpointer:
    """Decides when to checkpoint, signs, stores and publishes."""

    def __init__(
        self,
        writer: LogWriter,
        store: CheckpointStore,
        signer: CheckpointSigner,
        producer: EventProducer,
        *,
        every: int,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._writer = writer
        self._store = store
        self._signer = signer
        self._producer = producer
        self._every = every
        self._interval_s = interval_s
        self._clock = clock
        self._last_size = 0
        self._last_at = clock()
        self._unpublished: Checkpoint | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Resume after the latest stored checkpoint and re-publish it once."""
        latest = await self._store.latest()
        if latest is not None:
            self._last_size = latest.checkpoint.tree_size
            self._unpublished = latest.checkpoint
        self._last_at = self._clock()

    async def after_append(self) -> None:
        """Checkpoint now if ``every`` entries accumulated (called after each batch)."""
        if self._writer.snapshot().size - self._last_size >= self._every:
            await self._guarded(self.checkpoint_now)

    async def tick(self) -> None:
        """Publish what is pending; checkpoint if the interval has passed with new entries."""
        if self._unpublished is not None:
            await self._guarded(self._publish_pending)
        due = checkpoint_due(
            head_seq=self._writer.snapshot().size,
            last_checkpoint_size=self._last_size,
            seconds_since_last=self._clock() - self._last_at,
            every=self._every,
            interval_s=self._interval_s,
        )
        if due:
            await self._guarded(self.checkpoint_now)

    async def run_forever(self) -> None:
        """Tick about every second (the interval is checked on each tick)."""
        while True:
            await asyncio.sleep(min(1.0, self._interval_s))
            await self.tick()

    async def checkpoint_now(self) -> Checkpoint | None:
        """Sign, store and publish a checkpoint of the current state, if it has grown."""
        async with self._lock:
            state = self._writer.snapshot()
            if state.size <= self._last_size:
                return None
            signed_at = _now_ms()
            unsigned = Checkpoint(
                state.size, state.root_hash, signed_at, self._signer.key_id,
                self._signer.public_key_b64, signature="",
            )  # fmt: skip
            checkpoint = replace(unsigned, signature=self._signer.sign(unsigned.message))
            if await self._store.add(StoredCheckpoint(checkpoint, state.peaks, state.head_hash)):
                AUDIT_CHECKPOINTS.inc()
                log.info("checkpoint signed", extra={"tree_size": state.size})
            self._last_size, self._last_at = state.size, self._clock()
            self._unpublished = checkpoint
            await self._publish_pending()
            return checkpoint

    async def _publish_pending(self) -> None:
        pending = self._unpublished
        if pending is None:
            return
        await self._producer.publish(checkpoint_event(pending))
        if self._unpublished is pending:
            self._unpublished = None

    async def _guarded(self, step: Callable[[], Awaitable[object]]) -> None:
        try:
            await step()
        except Exception as exc:  # never fail an append because a checkpoint failed
            log.warning("checkpoint step failed; retrying later", extra={"error": repr(exc)})
