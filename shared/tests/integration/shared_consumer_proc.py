"""A consumer process for the redelivery test: applies each event once to a counter document.

With ``STALL_AFTER_EFFECT=1`` it stops after the effect and before the offset commit, so the
test can SIGKILL it at exactly that point.
"""

from __future__ import annotations

import asyncio
import os
import sys

from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import ConsumerLoop, Record
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import applied_once, connect


async def main() -> None:
    bootstrap, mongo_uri, topic, group, db_name = sys.argv[1:6]
    stall = os.environ.get("STALL_AFTER_EFFECT") == "1"
    client = connect(mongo_uri, app_name="redelivery-test")
    counters = client[db_name]["counters"]
    producer = EventProducer(bootstrap, client_id="redelivery-dlq")
    await producer.start()

    async def handle(event: CloudEvent, record: Record) -> None:
        await counters.update_one({"_id": "deliveries"}, {"$inc": {"n": 1}}, upsert=True)
        flt, upd = applied_once(event.id)
        await counters.update_one(
            {"_id": event.subject, **flt}, {"$inc": {"effects": 1}, **upd}, upsert=False
        )
        print("effect-done", flush=True)
        if stall:
            await asyncio.sleep(3600)  # killed here: effect durable, offset not committed

    loop = ConsumerLoop(
        bootstrap=bootstrap, group_id=group, topics=[topic], handler=handle, dlq_producer=producer
    )
    await loop.start()
    print("started", flush=True)
    await asyncio.sleep(float(os.environ.get("RUN_SECONDS", "3600")))
    await loop.stop()
    await producer.stop()


if __name__ == "__main__":
    asyncio.run(main())
