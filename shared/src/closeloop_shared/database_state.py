"""What the service knows of its database server, from PyMongo's heartbeat events.

PyMongo's monitor checks the server every ``heartbeatFrequencyMS``, and at once when an
operation fails on the network; a check fails within milliseconds of a crash (its
connection closes). Listening to those events lets a request be refused at once while the
server is known to be down, instead of each request waiting the whole server-selection
timeout to find out. Heartbeat events only: topology listeners would make PyMongo start an
event task when the client is created, which services do before their event loop runs."""

from __future__ import annotations

import asyncio
import contextlib

from pymongo.monitoring import (
    ServerHeartbeatFailedEvent,
    ServerHeartbeatListener,
    ServerHeartbeatStartedEvent,
    ServerHeartbeatSucceededEvent,
)


class DatabaseState(ServerHeartbeatListener):
    """``down`` is True from a failed check until a check finds a writable server.

    Nothing is assumed before the first check: a service that cannot reach its database at
    start-up fails its start instead.
    """

    def __init__(self) -> None:
        self._down = False
        self._went_down: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def down(self) -> bool:
        return self._down

    async def went_down(self) -> None:
        """Return once the server is known to be down (at once if it is)."""
        if self._went_down is None:
            self._loop, self._went_down = asyncio.get_running_loop(), asyncio.Event()
        while not self._down:
            await self._went_down.wait()
            if not self._down:  # set, then up again before this waiter ran
                self._went_down.clear()

    def _set(self, down: bool) -> None:
        was, self._down = self._down, down
        if down == was or self._went_down is None or self._loop is None:
            return
        # PyMongo may publish from a monitor thread: change the event on its own loop.
        change = self._went_down.set if down else self._went_down.clear
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
            self._loop.call_soon_threadsafe(change)

    def failed(self, event: ServerHeartbeatFailedEvent) -> None:
        self._set(True)

    def succeeded(self, event: ServerHeartbeatSucceededEvent) -> None:
        self._set(not getattr(event.reply, "is_writable", True))

    def started(self, event: ServerHeartbeatStartedEvent) -> None:
        """Nothing is known yet."""
