"""A served app freezes its start-up heap once it has started, and only when asked to.

Each case runs in its own interpreter: a frozen heap stays frozen for the process's life,
and the test process must keep collecting normally."""

from __future__ import annotations

import subprocess
import sys

SERVE_UNTIL_FROZEN = """
import asyncio, gc, sys, time
import uvicorn
from closeloop_shared.http.app import FreezingServer, create_app
from closeloop_shared.settings import ServiceSettings

freeze = sys.argv[1] == "1"
app = create_app(settings=ServiceSettings(service_name="t", gc_freeze=freeze), title="t")
config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None)
server = FreezingServer(config, freeze_heap=freeze)

async def stop_once_frozen_or_late() -> None:
    late = time.monotonic() + 3
    while not (server.started and gc.get_freeze_count()) and time.monotonic() < late:
        await asyncio.sleep(0.01)
    server.should_exit = True

async def main() -> None:
    stopper = asyncio.create_task(stop_once_frozen_or_late())
    await server.serve()
    await stopper

asyncio.run(main())
print(gc.get_freeze_count())
"""


def _frozen_after_serving(freeze: bool) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SERVE_UNTIL_FROZEN, "1" if freeze else "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def test_a_started_service_exempts_its_start_up_heap_from_full_passes() -> None:
    # the app, FastAPI, pydantic and uvicorn alone are tens of thousands of objects
    assert _frozen_after_serving(True) > 10_000


def test_gc_freeze_false_leaves_the_collector_alone() -> None:
    assert _frozen_after_serving(False) == 0
