"""Where each list's first page ended last time, so the next first page reads only that far.

The database answers a sorted ``find`` by reading every document its filter matches and
sorting them all before the limit applies (secantusd-rs 0.5.3: ``find.rs`` truncates after
the storage's ordered fetch). A department's first page of 50 out of 10,000 complaints
therefore cost ~45 ms, however small the page. With a range on the order's first key
(``due_at <= t``) the same read is a seek that reads only the rows up to ``t``: ~1.3 ms.
The key of the last row of the previous first page is a good ``t``; reading twice a page
leaves room for the complaints closed or moved in the meantime.

What is remembered changes only the cost, never the answer. A read within the end that
fills the page is exact, since every document past the end sorts after the page. One that
comes back short is followed by the whole read, which learns the end again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

CAPACITY = 4096  # lists remembered: one per filter, order and page size asked for
MARGIN = 2  # a remembered end lies this many pages into the list


def list_key(query: dict[str, Any], sort: str, limit: int) -> str:
    """The identity of a list: its database filter, its order and its page size."""
    return json.dumps([query, sort, limit], sort_keys=True, default=str)


class PageEnds:
    """The sort key where each list's first page (and the margin after it) ended, for the
    ``capacity`` lists read most recently."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._ends: OrderedDict[str, Any] = OrderedDict()
        self._capacity = capacity

    def get(self, key: str) -> Any | None:
        """The remembered end of list ``key``, or None."""
        end = self._ends.get(key)
        if end is not None:
            self._ends.move_to_end(key)
        return end

    def remember(self, key: str, end: Any) -> None:
        """Record ``end`` for ``key``, forgetting the least recently read list when full."""
        self._ends[key] = end
        self._ends.move_to_end(key)
        while len(self._ends) > self._capacity:
            self._ends.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop ``key`` (its whole list now fits in the margin: nothing to bound)."""
        self._ends.pop(key, None)

    def __len__(self) -> int:
        return len(self._ends)
