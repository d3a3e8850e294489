"""``python -m closeloop_feedback``: run the feedback service."""

from __future__ import annotations

from closeloop_feedback.bootstrap import bootstrap
from closeloop_feedback.config import FeedbackSettings
from closeloop_shared.http.app import run_service


def main() -> None:
    settings = FeedbackSettings()
    app, _ = bootstrap(settings)
    run_service(app, settings)


if __name__ == "__main__":
    main()
