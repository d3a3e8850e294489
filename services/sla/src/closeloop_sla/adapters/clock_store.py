"""The clock table: a faust ``Table`` of raw bytes in RocksDB (rocksdict), backed by a
compacted changelog topic.

faust decides a row's changelog partition from the *current event* (the record being
processed). The engine processes records in micro-batches and writes a batch's rows only
after the batch's events are acknowledged by the broker, outside faust's own iteration, so
:func:`in_event` puts the right event back in place for each read and write. Per-partition
iteration (index rebuild, reapply) reads the RocksDB database of one partition directly;
faust has no public API for that, hence the one access to ``Store._db_for_partition``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from faust.streams import _current_event

# faust keeps the changelog offset it has applied in each partition's database.
FAUST_OFFSET_KEY = b"__faust\x00offset__"


@contextmanager
def in_event(event: Any) -> Iterator[None]:
    """Make ``event`` faust's current event (table partition and changelog) for a block."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class RowStore(Protocol):
    """What the engine needs of the clock table (the faust table, or a fake in tests)."""

    def get(self, event: Any, complaint_id: str) -> bytes | None: ...

    def put(self, event: Any, complaint_id: str, row: bytes) -> None: ...

    def rows(self, partition: int, after: str | None = None) -> Iterator[tuple[str, bytes]]: ...


class ClockStore:
    """Rows of the clock table by complaint id."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def get(self, event: Any, complaint_id: str) -> bytes | None:
        """The row of ``complaint_id`` in the partition of ``event``."""
        with in_event(event):
            value: bytes | None = self.table.get(complaint_id.encode())
        return value

    def put(self, event: Any, complaint_id: str, row: bytes) -> None:
        """Write a row (to RocksDB and, through faust, to the changelog partition of
        ``event``)."""
        with in_event(event):
            self.table[complaint_id.encode()] = row

    def lookup(self, complaint_id: str) -> bytes | None:
        """A row from whichever local partition holds it (reads outside stream processing)."""
        value: bytes | None = self.table.get(complaint_id.encode())
        return value

    def rows(self, partition: int, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        """Every row of one local partition in key order, starting after key ``after``."""
        db = self.table.data._db_for_partition(partition)
        start = after.encode() if after is not None else None
        items = db.items(from_key=start) if start is not None else db.items()
        for key, value in items:
            if key in (FAUST_OFFSET_KEY, start):
                continue
            yield key.decode(), value
