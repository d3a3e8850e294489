"""Who is on a complaint right now ("Li is viewing", "Li is editing"), and who just changed it.

Kept in this process's memory: presence is ephemeral and not business data. With several
console replicas, users on one complaint see each other only when their browsers reach the
same replica (sticky sessions by complaint path); a shared channel is left for later.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

MODES = ("viewing", "editing")


class Presence:
    def __init__(self) -> None:
        # complaint id → connection → (subject, mode); one connection per open page
        self._here: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
        self._queues: dict[str, dict[int, asyncio.Queue[dict[str, Any]]]] = defaultdict(dict)
        self._next = 0

    def people(self, complaint_id: str) -> list[dict[str, str]]:
        """Each subject once, editing wins over viewing (two tabs of one person)."""
        merged: dict[str, str] = {}
        for sub, mode in self._here.get(complaint_id, {}).values():
            if merged.get(sub) != "editing":
                merged[sub] = mode
        return [{"sub": s, "mode": m} for s, m in sorted(merged.items())]

    @contextlib.asynccontextmanager
    async def join(
        self, complaint_id: str, sub: str
    ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        self._next += 1
        connection = self._next
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        self._here[complaint_id][connection] = (sub, "viewing")
        self._queues[complaint_id][connection] = queue
        self._announce(complaint_id)
        try:
            yield queue
        finally:
            self._here[complaint_id].pop(connection, None)
            self._queues[complaint_id].pop(connection, None)
            if not self._here[complaint_id]:
                del self._here[complaint_id], self._queues[complaint_id]
            else:
                self._announce(complaint_id)

    def set_mode(self, complaint_id: str, sub: str, mode: str) -> bool:
        """Every open page of ``sub`` on the complaint takes ``mode``; False if none is open."""
        if mode not in MODES:
            raise ValueError(mode)
        pages = self._here.get(complaint_id, {})
        mine = [c for c, (who, _) in pages.items() if who == sub]
        for connection in mine:
            pages[connection] = (sub, mode)
        if mine:
            self._announce(complaint_id)
        return bool(mine)

    def changed(self, complaint_id: str, sub: str, action: str) -> None:
        """Tell the other pages on the complaint that ``sub`` just performed ``action``."""
        self._send(complaint_id, {"type": "changed", "by": sub, "action": action})

    def _announce(self, complaint_id: str) -> None:
        self._send(complaint_id, {"type": "presence", "people": self.people(complaint_id)})

    def _send(self, complaint_id: str, message: dict[str, Any]) -> None:
        for queue in list(self._queues.get(complaint_id, {}).values()):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)
