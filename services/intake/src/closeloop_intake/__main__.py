"""``python -m closeloop_intake``: run the intake service."""

from __future__ import annotations

import asyncio

import uvicorn

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.kafka.supervision import exit_reason, on_exit_request
from closeloop_shared.observability.logging import configure_logging
from closeloop_shared.settings import refusal


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
    server = uvicorn.Server(config)
    on_exit_request(lambda: setattr(server, "should_exit", True))
    await server.serve()


def main() -> None:
    settings = IntakeSettings()
    configure_logging(settings.service_name, settings.log_level)
    problems = settings.check_production()
    if problems:
        raise SystemExit(refusal(settings, problems))
    asyncio.run(serve(settings))
    reason = exit_reason()
    if reason is not None:  # a consumer could not go on: let the supervisor restart us
        raise SystemExit(f"stopped for a restart: {reason}")


if __name__ == "__main__":
    main()
