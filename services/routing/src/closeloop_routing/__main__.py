"""``python -m closeloop_routing``: run the routing service."""

from __future__ import annotations

from closeloop_routing.bootstrap import bootstrap
from closeloop_routing.config import RoutingSettings
from closeloop_shared.http.app import run_service


def main() -> None:
    settings = RoutingSettings()
    app, _ = bootstrap(settings)
    run_service(app, settings)


if __name__ == "__main__":
    main()
