"""``python -m closeloop_audit``: run the audit service."""

from __future__ import annotations

from closeloop_audit.bootstrap import bootstrap
from closeloop_audit.config import AuditSettings
from closeloop_shared.http.app import run_service


def main() -> None:
    settings = AuditSettings()
    app, _ = bootstrap(settings)
    run_service(app, settings)


if __name__ == "__main__":
    main()
