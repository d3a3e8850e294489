"""``python -m closeloop_sla``: run the sla service."""

from __future__ import annotations

from closeloop_shared.http.app import run_service

from closeloop_sla.bootstrap import bootstrap
from closeloop_sla.config import SlaSettings


def main() -> None:
    settings = SlaSettings()
    app, _ = bootstrap(settings)
    run_service(app, settings)


if __name__ == "__main__":
    main()
