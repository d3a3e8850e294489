"""``python -m closeloop_intake``: run the intake service."""

from __future__ import annotations

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.http.app import run_service


def main() -> None:
    settings = IntakeSettings()
    # built inside the event loop: aiokafka clients need a running loop when they are created
    run_service(lambda: bootstrap(settings)[0], settings)


if __name__ == "__main__":
    main()
