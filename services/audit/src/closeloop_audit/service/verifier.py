"""Verification of the stored log: whole on demand (``GET /v1/audit/verify``), and in the
background, feeding ``closeloop_audit_verify_ok``.

A whole pass reads every entry, so its cost grows with the log, every minute, on a
machine the other services share. So the background pass continues from where the last
one ended (the last checkpoint whose root matched: see ``VerifiedPrefix``) and reads only
what came after it: every new entry's hash, link and seq, every new checkpoint's signature
and root. It does not read again what it verified before, so an old entry changed in the
database is found by the next whole pass: at start-up, after any failure, every
``CLOSELOOP_AUDIT_FULL_VERIFY_INTERVAL_S``, and on every ``GET /v1/audit/verify``.

One verification runs at a time. Callers arriving while a whole pass runs share its
verdict instead of starting another pass over the whole log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection

from closeloop_audit.adapters.log_reader import Client, LogReader
from closeloop_audit.domain.verify import VerifiedPrefix
from closeloop_audit.metrics import AUDIT_VERIFIED_ENTRIES, AUDIT_VERIFY_OK
from closeloop_audit.verification import Verdict, verify_log

log = logging.getLogger(__name__)
WHOLE, CONTINUED = "whole", "continued"


def verify_database(
    client: Client,
    db_name: str,
    *,
    trusted_keys: Collection[str] | None,
    start: VerifiedPrefix | None = None,
) -> Verdict:
    """Verify the entries and signed checkpoints stored in ``db_name`` (blocking): all of
    them, or those after ``start``, an earlier verdict's ``resume``."""
    reader = LogReader(client, db_name)
    after = 0 if start is None else start.seq
    checkpoints = reader.checkpoints(from_size=after)
    return verify_log(
        reader.entries(after=after), checkpoints, trusted_keys=trusted_keys, start=start
    )


class Verifier:
    """Runs verifications in a worker thread and records the outcome as a metric."""

    def __init__(
        self,
        client: Client,
        db_name: str,
        *,
        trusted_keys: Collection[str] | None,
        whole_every_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._db_name = db_name
        self._trusted_keys = trusted_keys
        self._whole_every_s = whole_every_s
        self._clock = clock
        self._running: asyncio.Task[Verdict] | None = None
        self._running_whole = False
        self._prefix: VerifiedPrefix | None = None  # where the next pass may continue
        self._whole_at: float | None = None  # when the last whole pass that passed began
        self.last: Verdict | None = None

    async def verify(self) -> Verdict:
        """Verify the whole log now, or join the whole verification already running."""
        if self._running is not None and not self._running.done() and not self._running_whole:
            await asyncio.wait([self._running])  # a continued pass: let it end first
        if self._running is None or self._running.done():
            self._start(None)
        assert self._running is not None
        return await asyncio.shield(self._running)

    async def check(self) -> Verdict:
        """The background pass: continued from the verified prefix, or whole when there is
        none or the last whole pass is older than ``whole_every_s``."""
        due = self._whole_at is None or self._clock() - self._whole_at >= self._whole_every_s
        busy = self._running is not None and not self._running.done()
        if self._prefix is None or due or busy:
            return await self.verify()
        self._start(self._prefix)
        assert self._running is not None
        return await asyncio.shield(self._running)

    def _start(self, start: VerifiedPrefix | None) -> None:
        self._running_whole = start is None
        self._running = asyncio.create_task(self._verify(start))

    async def _verify(self, start: VerifiedPrefix | None) -> Verdict:
        began = self._clock()
        verdict = await asyncio.to_thread(
            verify_database,
            self._client,
            self._db_name,
            trusted_keys=self._trusted_keys,
            start=start,
        )
        AUDIT_VERIFY_OK.set(1 if verdict.ok else 0)
        read = verdict.entries - (0 if start is None else start.seq)
        AUDIT_VERIFIED_ENTRIES.labels(WHOLE if start is None else CONTINUED).inc(max(0, read))
        if verdict.ok:
            self._prefix = verdict.resume
            if start is None:
                self._whole_at = began
        else:
            self._prefix = None  # the next pass reads everything again
            log.error(
                "audit log verification failed",
                extra={"first_bad": verdict.first_bad, "problem": verdict.problem},
            )
        self.last = verdict
        return verdict

    async def run_forever(self, interval_s: float) -> None:
        """Check, then wait ``interval_s``, forever (never two passes at once)."""
        while True:
            try:
                await self.check()
            except Exception as exc:  # the database may be away; the gauge keeps its value
                log.warning("audit verification could not run", extra={"error": repr(exc)})
            await asyncio.sleep(interval_s)
