"""``python -m closeloop_intake.reindex``: give complaints registered before the worklists
and the caller look-up their blind indexes and worklist sort keys.

Complaints created since carry them from registration; older ones are invisible to
``?phone=``/``?email=``/``?customer_id=``/``?name=`` and sort as "no deadline" until
re-indexed. Safe to run on a live system and to run again: it only touches documents
without ``blind`` and sets fields nothing else writes (``next_deadline``/``clock_state``
are recomputed from the projected clocks, as the next SLA event would).
"""

from __future__ import annotations

import asyncio
import json

from closeloop_intake.adapters.blind_index import BlindIndexer
from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.adapters.repository import COLLECTION
from closeloop_intake.config import IntakeSettings
from closeloop_intake.domain.worklist import severity_rank, worklist_figures
from closeloop_shared.mongo import Document, connect
from closeloop_shared.settings import refusal


def reindexed_fields(doc: Document, vault: CustomerVault, blind: BlindIndexer) -> Document:
    """What the re-index sets on one complaint document."""
    contact = vault.open_customer(doc.get("customer_sealed"))
    return {
        "blind": blind.of_customer(contact),
        "severity_rank": severity_rank(doc.get("severity")),
        **worklist_figures(doc.get("sla") or {}).as_fields(),
    }


async def reindex(settings: IntakeSettings, *, batch: int = 500) -> int:
    """Re-index every complaint without a blind index; returns how many were updated."""
    client = connect(settings.mongo_uri, app_name="closeloop-intake-reindex")
    collection = client[settings.database_name][COLLECTION]
    vault = CustomerVault(settings.pii_key, settings.pseudonym_key)
    blind = BlindIndexer(settings.blind_index_key, default_region=settings.phone_region)
    fields = {"customer_sealed": 1, "severity": 1, "sla": 1}
    done = 0
    try:
        while True:
            docs = (
                await collection.find({"blind": {"$exists": False}}, fields).limit(batch).to_list()
            )
            if not docs:
                return done
            for doc in docs:
                update = {"$set": reindexed_fields(doc, vault, blind)}
                await collection.update_one({"_id": doc["_id"]}, update)
            done += len(docs)
    finally:
        await client.close()


def main() -> None:
    settings = IntakeSettings()
    problems = settings.check_production()
    if problems:
        raise SystemExit(refusal(settings, problems))
    updated = asyncio.run(reindex(settings))
    print(json.dumps({"reindexed": updated}))


if __name__ == "__main__":
    main()
