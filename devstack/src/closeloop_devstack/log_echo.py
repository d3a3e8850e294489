"""Follow several log files and echo their new lines, prefixed with the component's name."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO


def print_line(line: str) -> None:
    """Default sink: stdout, flushed so `make run` shows lines as they come."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class LogEcho:
    """A background thread that tails `<name>.log` files like `tail -F`, from their end."""

    def __init__(self, emit: Callable[[str], None] = print_line, interval: float = 0.2) -> None:
        self._emit = emit
        self._interval = interval
        self._files: dict[str, Path] = {}
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, str] = {}
        self._width = 9
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devstack-log-echo", daemon=True)

    def follow(self, name: str, path: Path) -> None:
        """Echo lines appended to `path` from now on."""
        with self._lock:
            self._files[name] = path
            self._offsets[name] = path.stat().st_size if path.exists() else 0
            self._partial[name] = ""
            self._width = max(self._width, len(name))

    def emit(self, name: str, text: str) -> None:
        """Print an orchestrator message in the same prefixed format."""
        with self._lock:
            for line in text.splitlines() or [""]:
                self._emit(f"{name:<{self._width}} | {line}")

    def start(self) -> None:
        """Start following in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Print what is left and stop following."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.poll()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll()

    def poll(self) -> None:
        """Echo whatever was appended since the last poll."""
        with self._lock:
            for name, path in self._files.items():
                self._drain(name, path)

    def _drain(self, name: str, path: Path) -> None:
        try:
            handle: IO[bytes] = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            size = path.stat().st_size
            if size < self._offsets[name]:  # truncated or replaced: start over
                self._offsets[name] = 0
            handle.seek(self._offsets[name])
            chunk = handle.read()
        self._offsets[name] += len(chunk)
        text = self._partial[name] + chunk.decode("utf-8", errors="replace")
        *lines, self._partial[name] = text.split("\n")
        for line in lines:
            self._emit(f"{name:<{self._width}} | {line.rstrip()}")
