"""Supervision of consumer loops: progress tracking for liveness, and the process exit that
hands a consumer which cannot go on to the process supervisor (Kubernetes, systemd, the
devstack) for a restart.

A consumer is *stalled* when it has work (a record in hand, or lag on its partitions) and
has made no progress for longer than a bound, or when its task ended while the service is
still running. A stalled consumer fails the liveness check (``/healthz``), so the
supervisor restarts the process; the offsets that were not committed are redelivered.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import time
from collections.abc import Callable

from closeloop_shared.observability.metrics import CONSUMER_STALLED_SECONDS

log = logging.getLogger(__name__)

_exit_reason: str | None = None
_stop_serving: Callable[[], None] | None = None


class Progress:
    """When a consumer last moved forward, and whether it has work waiting."""

    def __init__(self, group_id: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.group_id = group_id
        self._clock = clock
        self._last = clock()
        self._in_hand = False
        self._lag = 0
        self.ended = False  # the consumer task is over while it should be running

    def record_started(self) -> None:
        self._in_hand = True

    def record_finished(self) -> None:
        """A record was handled or dead-lettered: progress."""
        self._in_hand = False
        self._last = self._clock()

    def lag_measured(self, lag: int) -> None:
        """Lag after a poll round; being caught up counts as progress (nothing to do)."""
        self._lag = lag
        if lag == 0 and not self._in_hand:
            self._last = self._clock()

    def stalled_for(self) -> float:
        """Seconds without progress while having work; ``inf`` once the task has ended."""
        if self.ended:
            seconds = math.inf
        elif self._in_hand or self._lag > 0:
            seconds = self._clock() - self._last
        else:
            seconds = 0.0
        CONSUMER_STALLED_SECONDS.labels(self.group_id).set(-1 if math.isinf(seconds) else seconds)
        return seconds

    def alive(self, stall_after_s: float) -> bool:
        """The liveness condition: not ended and not stalled beyond ``stall_after_s``."""
        return self.stalled_for() <= stall_after_s


def on_exit_request(stop_serving: Callable[[], None]) -> None:
    """Register how the server is told to shut down in order (the process runner's hook)."""
    global _stop_serving
    _stop_serving = stop_serving


def request_exit(reason: str) -> None:
    """Stop this process with a failure status: remember why, then shut the server down in
    order (other consumers finish their record and commit); :func:`exit_reason` turns the
    end of serving into a non-zero exit. Without a registered server, SIGTERM ourselves."""
    global _exit_reason
    if _exit_reason is None:
        _exit_reason = reason
        log.critical("stopping the process for a restart", extra={"reason": reason})
        if _stop_serving is not None:
            _stop_serving()
        else:
            os.kill(os.getpid(), signal.SIGTERM)


def exit_reason() -> str | None:
    """Why :func:`request_exit` stopped the process, or None after an ordinary stop."""
    return _exit_reason
