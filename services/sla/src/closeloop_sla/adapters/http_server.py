"""The FastAPI app served by uvicorn inside the faust worker's event loop, as a ``mode``
service: it starts and stops with the worker, and the worker (not uvicorn) owns SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from mode import Service

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers (the faust worker handles signals)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpService(Service):
    """Serves ``app`` on ``host:port`` while the worker runs."""

    def __init__(self, app: FastAPI, host: str, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        config = uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=False, lifespan="on"
        )
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self._task = asyncio.ensure_future(self._server.serve())
        while not self._server.started:
            if self._task.done():  # e.g. the port is taken: fail the worker's start
                error = self._task.exception()
                raise RuntimeError(f"HTTP server did not start: {error!r}")
            await asyncio.sleep(0.05)
        log.info("http server started", extra={"port": self._server.config.port})

    async def on_stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, SystemExit):
                await asyncio.wait_for(self._task, timeout=10)
