"""One Closeloop service run as a child process, ready when `GET /readyz` answers 200."""

from __future__ import annotations

import shlex
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path

from closeloop_devstack.process import DevstackError, ManagedProcess, wait_until

SERVICES = ("intake", "routing", "sla", "feedback", "audit", "console")
DEFAULT_PORTS = {
    "intake": 8001,
    "routing": 8002,
    "sla": 8003,
    "feedback": 8004,
    "audit": 8005,
    "console": 8000,  # the agents' and supervisors' browser workbench
}
DEFAULT_COMMAND = "{python} -m closeloop_{name}"


def url_variable(name: str) -> str:
    """Environment variable the console reads a service's base URL from, e.g.
    CLOSELOOP_SLA_URL."""
    return f"CLOSELOOP_{name.upper()}_URL"


def port_variable(name: str) -> str:
    """Environment variable holding a service's HTTP port, e.g. CLOSELOOP_SLA_PORT."""
    return f"CLOSELOOP_{name.upper()}_PORT"


def service_argv(template: str, name: str, port: int) -> list[str]:
    """Expand a command template; placeholders: {python}, {name}, {module}, {port}."""
    expanded = template.format(
        python=shlex.quote(sys.executable), name=name, module=f"closeloop_{name}", port=port
    )
    return shlex.split(expanded)


def readyz_ok(url: str) -> bool:
    """True when `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:  # noqa: S310 - loopback URL
            return bool(reply.status == HTTPStatus.OK)
    except (OSError, urllib.error.URLError):
        return False


class ServiceProcess:
    """A service on 127.0.0.1:`port` started with `argv` and the given environment."""

    def __init__(
        self, name: str, port: int, argv: list[str], env: Mapping[str, str], log_path: Path
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        self._proc = ManagedProcess(name, argv, log_path, env=env)

    @property
    def url(self) -> str:
        """Base URL of the service's HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id, or None."""
        return self._proc.pid

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait for readiness; returns seconds taken."""
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> None:
        """Launch without waiting."""
        self._proc.spawn()

    def is_ready(self) -> bool:
        """One readiness probe; raises if the process has exited."""
        if not self._proc.is_running():
            raise DevstackError(self.exit_report())
        return readyz_ok(f"{self.url}/readyz")

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll `GET /readyz` until 200; returns seconds waited."""
        return wait_until(
            lambda: readyz_ok(f"{self.url}/readyz"),
            timeout=timeout,
            proc=self._proc,
            what="GET /readyz == 200",
            interval=0.2,
        )

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the service's log."""
        return self._proc.log_tail(lines)

    def terminate(self) -> None:
        """SIGTERM without waiting; follow with `stop` to wait and escalate."""
        self._proc.terminate()

    def exit_report(self) -> str:
        """A loud description of an exited service with the tail of its log."""
        return (
            f"service {self.name} EXITED with status {self._proc.returncode()}; "
            f"last lines of {self.log_path}:\n{self._proc.log_tail()}"
        )

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, SIGKILL after `timeout` seconds."""
        return self._proc.stop(timeout)

    def kill(self) -> int | None:
        """SIGKILL (crash simulation)."""
        return self._proc.kill()

    def restart(self, timeout: float = 60.0) -> float:
        """Stop if running, then start again."""
        self.stop()
        return self.start(timeout)

    def is_running(self) -> bool:
        """Tell whether the process is alive."""
        return self._proc.is_running()

    def returncode(self) -> int | None:
        """Exit status once it has exited."""
        return self._proc.returncode()
