"""``python -m closeloop_intake``: run the intake service."""

from __future__ import annotations

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.http.app import run_service


def main() -> None:
    settings = IntakeSettings()
    app, _ = bootstrap(settings)
    run_service(app, settings)


if __name__ == "__main__":
    main()
