"""``python -m closeloop_sla``: the SLA worker (faust) and its HTTP API in one process."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from closeloop_shared.observability.logging import configure_logging
from closeloop_shared.settings import refusal
from closeloop_sla.adapters.topic_check import prepare_topics
from closeloop_sla.bootstrap import bootstrap
from closeloop_sla.config import SlaSettings
from closeloop_sla.entrypoints.topics import CLOCK_INPUTS
from closeloop_sla.worker import SlaWorker


def main() -> None:
    settings = SlaSettings()
    configure_logging(settings.service_name, settings.log_level)
    problems = settings.check_production()
    if problems:
        sys.exit(refusal(settings, problems))
    settings.sla_data_dir.mkdir(parents=True, exist_ok=True)
    partitions = asyncio.run(prepare_topics(settings, [spec.name for spec in CLOCK_INPUTS]))
    parts, http = bootstrap(settings, partitions)
    code: int | str | None = 0
    try:
        SlaWorker(parts, http).execute_from_commandline()
    except SystemExit as done:
        code = done.code
    finally:
        # faust's consumer thread is not a daemon; after a failed start it would keep the
        # process alive. The worker has stopped and flushed by now, so leave directly.
        if isinstance(code, str):
            print(code, file=sys.stderr)
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0 if code is None else code if isinstance(code, int) else 1)


if __name__ == "__main__":
    main()
