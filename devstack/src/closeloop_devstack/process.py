"""A child process run in its own process group, with its output in a log file.

Every component of the devstack (Kafka, SecantusDB, the SMTP sink, the services) is a
`ManagedProcess`. Children are started from one long-lived spawner thread with
`PR_SET_PDEATHSIG=SIGKILL`, so they die with the Python process that started them even when
it is killed outright; an `atexit` hook stops whatever is still running on a normal exit.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path

_PR_SET_PDEATHSIG = 1


class DevstackError(RuntimeError):
    """A devstack component could not be installed, started or stopped."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Tell whether nothing listens on 127.0.0.1:`port` (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def tail_text(path: Path, lines: int = 40, *, since: int = 0) -> str:
    """The last `lines` lines of a text file after byte offset `since` ('' if none)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(since, handle.tell() - 64 * 1024))
            data = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _death_signal_hook() -> Callable[[], None] | None:
    """Build a preexec hook that asks Linux to SIGKILL the child when its parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return hook


class _Spawner:
    """One daemon thread that forks every child.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, so forking from a
    short-lived worker thread (asyncio.to_thread) would kill the child too early.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], subprocess.Popen[bytes]], Future[subprocess.Popen[bytes]]]
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="devstack-spawner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the caller, not swallowed
                future.set_exception(exc)

    def spawn(self, job: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        future: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((job, future))
        return future.result()


_SPAWNER_LOCK = threading.Lock()
_spawner: _Spawner | None = None
_LIVE: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


def _get_spawner() -> _Spawner:
    global _spawner
    with _SPAWNER_LOCK:
        if _spawner is None:
            _spawner = _Spawner()
        return _spawner


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_LIVE):
        with contextlib.suppress(Exception):
            proc.stop(timeout=5)


class ManagedProcess:
    """A command run in its own session; stdout and stderr go to `log_path`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    @property
    def pid(self) -> int | None:
        """Process id of the running child, or None."""
        return self._popen.pid if self._popen is not None else None

    def spawn(self) -> None:
        """Start the child (no readiness wait); the log file is appended to."""
        if self.is_running():
            raise DevstackError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log_start = log.tell()  # tails show this run only, not earlier ones
        hook = _death_signal_hook()

        def job() -> subprocess.Popen[bytes]:
            return subprocess.Popen(  # noqa: S603 - argv is built by the devstack itself
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # own group: Ctrl-C in a terminal reaches only us
                preexec_fn=hook,
            )

        try:
            self._popen = _get_spawner().spawn(job)
        except OSError as exc:
            raise DevstackError(f"cannot start {self.name}: {exc}") from exc
        finally:
            log.close()  # the child holds its own descriptor
        _LIVE.add(self)

    def is_running(self) -> bool:
        """Tell whether the child exists and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    def returncode(self) -> int | None:
        """Exit status of the last child, None while it runs or if it never ran."""
        return self._popen.poll() if self._popen is not None else None

    def terminate(self) -> None:
        """Send SIGTERM to the process group without waiting (see `stop`)."""
        if self._popen is not None and self._popen.poll() is None:
            self._signal_group(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after `timeout` seconds; return the status."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._popen.wait()
        return self._finish()

    def kill(self) -> int | None:
        """SIGKILL the process group at once (crash simulation); return the status."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._signal_group(signal.SIGKILL)
            self._popen.wait()
        return self._finish()

    def wait_exit(self, timeout: float) -> int | None:
        """Wait up to `timeout` seconds for the child to exit by itself."""
        if self._popen is None:
            return None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)
        return self._popen.poll()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines this run of the process wrote to its log file."""
        return tail_text(self.log_path, lines, since=self._log_start)

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self._popen is not None
        try:
            os.killpg(self._popen.pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            self._popen.send_signal(sig)

    def _finish(self) -> int | None:
        assert self._popen is not None
        code = self._popen.poll()
        # Reap the rest of the group (e.g. a JVM forked by a wrapper) so no orphan keeps a port.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, signal.SIGKILL)
        _LIVE.discard(self)
        return code


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    proc: ManagedProcess,
    what: str,
    interval: float = 0.1,
) -> float:
    """Poll `check` until it is true; fail early if `proc` exits. Returns seconds waited."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if not proc.is_running():
            raise DevstackError(
                f"{proc.name} exited with status {proc.returncode()} before {what}; "
                f"last lines of {proc.log_path}:\n{proc.log_tail()}"
            )
        if check():
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise DevstackError(
                f"{proc.name}: {what} not reached within {timeout:.0f}s; "
                f"last lines of {proc.log_path}:\n{proc.log_tail()}"
            )
        time.sleep(interval)
