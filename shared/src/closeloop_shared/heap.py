"""Keeping the garbage collector's full passes short in a long-running service.

CPython's oldest generation holds everything a service builds at start-up: modules, the
FastAPI app, pydantic models, templates. A full pass walks all of it (about 60 ms for
115,000 objects here), and it comes every few thousand allocations, in the middle of a
request. On a 2-core machine shared by nine processes those pauses were the slowest
console pages (issue 18). Objects alive when start-up is over live as long as the
process, so they are collected once and moved to the permanent generation, which no pass
walks; what the service creates afterwards is collected as before.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then exempt every object alive now from later passes; returns the
    number of objects frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen", extra={"objects": frozen})
    return frozen
