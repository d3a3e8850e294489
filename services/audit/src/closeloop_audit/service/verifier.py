"""Full verification of the stored log: on demand (``GET /v1/audit/verify``) and
periodically, feeding ``closeloop_audit_verify_ok``.

One verification runs at a time; callers arriving while it runs share its verdict instead
of starting another pass over the whole log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from closeloop_audit.adapters.log_reader import Client, LogReader
from closeloop_audit.metrics import AUDIT_VERIFY_OK
from closeloop_audit.verification import Verdict, verify_log

log = logging.getLogger(__name__)


def verify_database(
    client: Client, db_name: str, *, trusted_keys: Collection[str] | None
) -> Verdict:
    """Verify every entry and signed checkpoint stored in ``db_name`` (blocking)."""
    reader = LogReader(client, db_name)
    checkpoints = reader.checkpoints()
    return verify_log(reader.entries(), checkpoints, trusted_keys=trusted_keys)


class Verifier:
    """Runs verifications in a worker thread and records the outcome as a metric."""

    def __init__(
        self, client: Client, db_name: str, *, trusted_keys: Collection[str] | None
    ) -> None:
        self._client = client
        self._db_name = db_name
        self._trusted_keys = trusted_keys
        self._running: asyncio.Task[Verdict] | None = None
        self.last: Verdict | None = None

    async def verify(self) -> Verdict:
        """Verify now, or join the verification already running."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._verify())
        return await asyncio.shield(self._running)

    async def _verify(self) -> Verdict:
        verdict = await asyncio.to_thread(
            verify_database, self._client, self._db_name, trusted_keys=self._trusted_keys
        )
        AUDIT_VERIFY_OK.set(1 if verdict.ok else 0)
        if not verdict.ok:
            log.error(
                "audit log verification failed",
                extra={"first_bad": verdict.first_bad, "problem": verdict.problem},
            )
        self.last = verdict
        return verdict

    async def run_forever(self, interval_s: float) -> None:
        """Verify, then wait ``interval_s``, forever (never two passes at once)."""
        while True:
            try:
                await self.verify()
            except Exception as exc:  # the database may be away; the gauge keeps its value
                log.warning("audit verification could not run", extra={"error": repr(exc)})
            await asyncio.sleep(interval_s)
