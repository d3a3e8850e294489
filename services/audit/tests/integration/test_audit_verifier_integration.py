"""The background verification against the real database: it continues after the last
verified checkpoint instead of reading the whole log again, still finds a changed new
entry, and reads everything again after a failure and when a whole pass is due."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from audit_support import records, sign_checkpoint, writer
from prometheus_client import REGISTRY
from pymongo import MongoClient
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_audit.adapters.log_reader import Client, open_client
from closeloop_audit.service.verifier import CONTINUED, WHOLE, Verifier
from closeloop_shared.mongo import Document

pytestmark = pytest.mark.integration
HOUR = 3600.0


def _read(kind: str) -> float:
    value = REGISTRY.get_sample_value("closeloop_audit_verified_entries_total", {"pass": kind})
    return value or 0.0


class _Reads:
    """Entries read by whole and by continued passes since it was made."""

    def __init__(self) -> None:
        self._base = {kind: _read(kind) for kind in (WHOLE, CONTINUED)}

    def __call__(self) -> dict[str, int]:
        return {kind: round(_read(kind) - base) for kind, base in self._base.items()}


@pytest.fixture
def sync_client(mongo_uri: str) -> Iterator[Client]:
    client = open_client(mongo_uri)
    yield client
    client.close()


def _gauge() -> float | None:
    return REGISTRY.get_sample_value("closeloop_audit_verify_ok")


async def test_background_passes_continue_after_the_last_verified_checkpoint(
    audit_db: AsyncDatabase[Document], sync_client: MongoClient[Document]
) -> None:
    now = [0.0]
    verifier = Verifier(sync_client, audit_db.name, trusted_keys=None, clock=lambda: now[0])
    log = writer(audit_db)
    await log.append(records(0, 250))
    await sign_checkpoint(audit_db, log)
    await log.append(records(250, 30))  # not under a checkpoint yet
    reads = _Reads()

    first = await verifier.check()  # nothing verified yet: whole
    assert first.ok and first.entries == 280
    assert reads() == {WHOLE: 280, CONTINUED: 0}

    await log.append(records(280, 70))
    await sign_checkpoint(audit_db, log)  # 350
    second = await verifier.check()
    # the prefix's own checkpoint (250) and the new one; none of the earlier ones
    assert second.ok and second.entries == 350 and second.checkpoints_checked == 2
    # read again from the checkpoint at 250: the 30 unsigned entries and the 70 new ones
    assert reads() == {WHOLE: 280, CONTINUED: 100}

    now[0] += HOUR  # a whole pass is due
    third = await verifier.check()
    assert third.ok and reads() == {WHOLE: 630, CONTINUED: 100}


async def test_a_changed_new_entry_fails_the_continued_pass_and_the_next_is_whole(
    audit_db: AsyncDatabase[Document], sync_client: MongoClient[Document]
) -> None:
    verifier = Verifier(sync_client, audit_db.name, trusted_keys=None, clock=lambda: 0.0)
    log = writer(audit_db)
    await log.append(records(0, 100))
    await sign_checkpoint(audit_db, log)
    assert (await verifier.check()).ok
    await log.append(records(100, 50))
    await audit_db.entries.update_one({"_id": 130}, {"$set": {"payload_hash": "0" * 64}})
    reads = _Reads()

    failed = await verifier.check()
    assert (failed.ok, failed.problem, failed.first_bad) == (False, "modified", 130)
    assert _gauge() == 0
    assert reads()[WHOLE] == 0 and reads()[CONTINUED] > 0

    again = await verifier.check()  # after a failure, everything is read again
    assert (again.ok, again.first_bad) == (False, 130)
    assert reads()[WHOLE] > 0


async def test_an_old_change_is_found_by_the_next_whole_pass(
    audit_db: AsyncDatabase[Document], sync_client: MongoClient[Document]
) -> None:
    now = [0.0]
    verifier = Verifier(
        sync_client, audit_db.name, trusted_keys=None, whole_every_s=HOUR, clock=lambda: now[0]
    )
    log = writer(audit_db)
    await log.append(records(0, 100))
    await sign_checkpoint(audit_db, log)
    assert (await verifier.check()).ok
    await audit_db.entries.update_one({"_id": 10}, {"$set": {"payload_hash": "0" * 64}})

    assert (await verifier.check()).ok  # before the prefix: a continued pass does not look
    now[0] += HOUR
    whole = await verifier.check()
    assert (whole.ok, whole.problem, whole.first_bad) == (False, "modified", 10)
    on_demand = await verifier.verify()  # GET /v1/audit/verify: always whole
    assert on_demand.first_bad == 10
