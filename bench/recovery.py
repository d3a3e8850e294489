"""Scenario 5: time for each service to be ready again after `kill -9`."""

from __future__ import annotations

import time
from typing import Any

from closeloop_devstack.stack import Stack


def run(stack: Stack, *, say: Any = print) -> dict[str, Any]:
    out = {}
    for name in stack.config.services:
        stack.kill(name)
        started = time.monotonic()
        stack.restart(name, timeout=120)
        took = round(time.monotonic() - started, 2)
        out[name] = {"ready_after_kill_s": took}
        say(f"[recovery] {name} ready {took} s after kill -9")
    return out
