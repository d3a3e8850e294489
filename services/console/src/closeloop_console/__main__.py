"""``python -m closeloop_console``: run the console."""

from __future__ import annotations

from closeloop_console.bootstrap import bootstrap
from closeloop_console.config import ConsoleSettings
from closeloop_shared.http.app import run_service
from closeloop_shared.settings import refusal


def main() -> None:
    settings = ConsoleSettings()
    problems = settings.check_production()
    if problems:  # before anything is built (run_service checks again)
        raise SystemExit(refusal(settings, problems))
    run_service(bootstrap(settings), settings)


if __name__ == "__main__":
    main()
