"""A service process (the shared runtime under uvicorn) whose only handler always fails, for
the supervision test: with a dead-letter topic that refuses records it must exit non-zero."""

from __future__ import annotations

import os

from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.http.app import create_app, run_service
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.settings import ServiceSettings


async def fail(event: CloudEvent, record: Record) -> None:
    raise RuntimeError("handler bug")


def main() -> None:
    settings = ServiceSettings(service_name="failing")
    runtime = ServiceRuntime(settings)
    runtime.subscribe("loop", [os.environ["TEST_TOPIC"]], fail)
    app = create_app(
        settings=settings, title="failing", lifespan=runtime.lifespan, readiness=runtime.readiness
    )
    run_service(app, settings)


if __name__ == "__main__":
    main()
