"""The process: a faust worker running the clock app and the HTTP service, with the
shared JSON logging; MongoDB is connected before the app starts consuming."""

from __future__ import annotations

from typing import Any

import faust

from closeloop_shared.heap import freeze_startup_heap
from closeloop_shared.observability.logging import configure_logging
from closeloop_sla.adapters.http_server import HttpService
from closeloop_sla.bootstrap import connect_policies
from closeloop_sla.container import SlaContainer


class SlaWorker(faust.Worker):
    """faust worker + embedded HTTP server; SIGTERM stops both gracefully."""

    def __init__(self, parts: SlaContainer, http: Any, **kwargs: Any) -> None:
        settings = parts.settings
        server = HttpService(http, settings.http_host, settings.port)
        super().__init__(
            parts.faust_app,
            server,
            loglevel=settings.log_level,
            redirect_stdouts=False,
            quiet=True,  # no banner or spinner on stdout: logs are JSON lines
            **kwargs,
        )
        self.parts = parts
        self.spinner = None  # a terminal spinner would write escape codes into the JSON log

    def _setup_logging(self) -> None:
        settings = self.parts.settings
        configure_logging(settings.service_name, settings.log_level)

    async def on_first_start(self) -> None:
        await connect_policies(self.parts)
        await super().on_first_start()

    async def on_startup_finished(self) -> None:
        await super().on_startup_finished()
        if self.parts.settings.gc_freeze:
            freeze_startup_heap()

    async def on_shutdown(self) -> None:
        await super().on_shutdown()
        if self.parts.mongo is not None:
            await self.parts.mongo.close()
