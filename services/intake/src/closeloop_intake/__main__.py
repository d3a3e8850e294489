"""``python -m closeloop_intake``: run the intake service."""

from __future__ import annotations

import asyncio

import uvicorn

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.observability.logging import configure_logging


async def serve(settings: IntakeSettings) -> None:
    """Build the app inside the event loop (aiokafka clients need a running loop when they
    are created) and serve it until SIGTERM/SIGINT, with a graceful lifespan shutdown."""
    app, _ = bootstrap(settings)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=20,
        access_log=False,
    )
    await uvicorn.Server(config).serve()


def main() -> None:
    settings = IntakeSettings()
    configure_logging(settings.service_name, settings.log_level)
    problems = settings.check_production()
    if problems:
        raise SystemExit("refusing to start in production: " + "; ".join(problems))
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
