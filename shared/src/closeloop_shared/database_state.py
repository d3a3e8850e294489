"""What the service knows of its database server, from PyMongo's SDAM events.

PyMongo's monitor checks the server every ``heartbeatFrequencyMS`` and marks it unknown
as soon as a check or an operation fails on the network. Listening to those events lets a
request be refused at once while the server is known to be down, instead of each request
waiting the whole server-selection timeout to find out.
"""

from __future__ import annotations

import asyncio
import contextlib

from pymongo.monitoring import (
    ServerHeartbeatFailedEvent,
    ServerHeartbeatListener,
    ServerHeartbeatStartedEvent,
    ServerHeartbeatSucceededEvent,
    TopologyClosedEvent,
    TopologyDescriptionChangedEvent,
    TopologyListener,
    TopologyOpenedEvent,
)


class DatabaseState(TopologyListener, ServerHeartbeatListener):
    """``down`` is True from the moment PyMongo has no writable server until it has one.

    Nothing is assumed before the first description: a service that cannot reach its
    database at start-up fails its start instead.
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

    def description_changed(self, event: TopologyDescriptionChangedEvent) -> None:
        new = event.new_description
        if any(
            s.round_trip_time is not None or s.error is not None
            for s in new.server_descriptions().values()
        ):
            self._set(not new.has_writable_server())

    def failed(self, event: ServerHeartbeatFailedEvent) -> None:
        self._set(True)

    def succeeded(self, event: ServerHeartbeatSucceededEvent) -> None:
        """The topology event that follows says whether the server is writable."""

    def started(self, event: ServerHeartbeatStartedEvent) -> None:
        """Nothing is known yet."""

    def opened(self, event: TopologyOpenedEvent) -> None:
        """The first description is yet to come."""

    def closed(self, event: TopologyClosedEvent) -> None:
        """The client is closing: no longer a statement about the server."""
