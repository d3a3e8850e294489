"""The clock table: a faust ``Table`` of raw bytes in RocksDB (rocksdict), backed by a
compacted changelog topic.

The engine reads and writes the table's per-partition RocksDB databases directly and sends
the changelog records through the worker's producer itself, instead of going through the
table's ``dict`` interface: that path costs several wrappers, a pending-message object, a
buffer hop and a RocksDB write of the changelog offset *per row*, which was most of what
loading a million clocks cost. What faust relies on is kept exactly:

* a row is written to the database of its partition and sent to the same partition of
  ``<app id>-clocks-changelog`` (key = complaint id, value = row bytes, raw serializer), so
  recovery and standbys replay it like any faust table write;
* once the broker acknowledged a batch's changelog records, the highest offset per
  partition is stored as faust's *persisted offset* in that partition's database (faust
  stores it after every record; storing the batch's last one is the same point for
  recovery, which replays everything after it);
* faust flushes the producer before committing input offsets, which includes these records.

Per-partition iteration (index rebuild, reapply) reads the database of one partition too;
faust has no public API for that, hence the access to ``Store._db_for_partition``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from faust.types import TP

log = logging.getLogger(__name__)

# faust keeps the changelog offset it has applied in each partition's database.
FAUST_OFFSET_KEY = b"__faust\x00offset__"
RowWrite = tuple[int, str, bytes]  # (partition, complaint id, row)


class RowStore(Protocol):
    """What the engine needs of the clock table (the faust table, or a fake in tests)."""

    def get(self, partition: int, complaint_id: str) -> bytes | None: ...

    async def write(self, rows: Sequence[RowWrite]) -> None: ...

    def rows(self, partition: int, after: str | None = None) -> Iterator[tuple[str, bytes]]: ...


class ClockStore:
    """Rows of the clock table by complaint id."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def get(self, partition: int, complaint_id: str) -> bytes | None:
        """The row of ``complaint_id`` in ``partition``."""
        value: bytes | None = self._db(partition).get(complaint_id.encode())
        return value

    async def write(self, rows: Sequence[RowWrite]) -> None:
        """Write rows to RocksDB and send them to their changelog partitions (without
        waiting for the broker: the offsets are recorded when it acknowledged them)."""
        if not rows:
            return
        producer = self.table.app.producer
        topic = self.table.changelog_topic.get_topic_name()
        pending = []
        for partition, complaint_id, row in rows:
            key = complaint_id.encode()
            self._db(partition).put(key, row)
            pending.append(await producer.send(topic, key, row, partition, None, None))
        acked = asyncio.gather(*pending, return_exceptions=True)
        acked.add_done_callback(self._persist_offsets)

    def _persist_offsets(self, acked: asyncio.Future[list[Any]]) -> None:
        if acked.cancelled():  # the worker is stopping; recovery replays from the last one
            return
        last: dict[TP, int] = {}
        failed = 0
        for result in acked.result():
            if isinstance(result, BaseException):
                failed += 1
                continue
            tp = result.topic_partition
            last[tp] = max(result.offset, last.get(tp, -1))
        for tp, offset in last.items():
            self.table.data.set_persisted_offset(tp, offset)
        if failed:  # as with faust's own table writes, the rows stay in the local store
            log.error("changelog records not acknowledged", extra={"records": failed})

    def lookup(self, complaint_id: str) -> bytes | None:
        """A row from whichever local partition holds it (reads outside stream processing)."""
        value: bytes | None = self.table.get(complaint_id.encode())
        return value

    def rows(self, partition: int, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        """Every row of one local partition in key order, starting after key ``after``."""
        db = self._db(partition)
        start = after.encode() if after is not None else None
        items = db.items(from_key=start) if start is not None else db.items()
        for key, value in items:
            if key in (FAUST_OFFSET_KEY, start):
                continue
            yield key.decode(), value

    def _db(self, partition: int) -> Any:
        return self.table.data._db_for_partition(partition)
