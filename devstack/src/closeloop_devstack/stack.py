"""The whole local system: Kafka, SecantusDB, the SMTP sink, the five services and the console.

`Stack` is what `python -m closeloop_devstack run` drives, and what end-to-end tests use to
kill -9 and restart single components.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer, local_uri
from closeloop_devstack.paths import run_dir
from closeloop_devstack.process import DevstackError, free_port
from closeloop_devstack.service import (
    DEFAULT_COMMAND,
    DEFAULT_PORTS,
    SERVICES,
    ServiceProcess,
    port_variable,
    service_argv,
    url_variable,
)
from closeloop_devstack.smtp_sink import SmtpSinkProcess

INFRA = ("kafka", "mongo", "smtp-sink")


def replica_name(service: str, index: int) -> str:
    """Replica 1 keeps the service's name; the others are ``<service>-<index>``."""
    return service if index == 1 else f"{service}-{index}"


class Component(Protocol):
    """What every part of the stack can do."""

    def start(self, timeout: float = ...) -> float: ...
    def stop(self, timeout: float = ...) -> int | None: ...
    def kill(self) -> int | None: ...
    def restart(self, timeout: float = ...) -> float: ...
    def is_running(self) -> bool: ...
    @property
    def pid(self) -> int | None: ...


def _int_env(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise DevstackError(f"{name} must be a port number, got {raw!r}") from exc


@dataclass
class StackConfig:
    """Ports, folders and the service command of one stack."""

    run_dir: Path
    kafka_port: int = 9092
    kafka_controller_port: int | None = None
    mongo_port: int = 27017
    smtp_port: int = 1025
    smtp_http_port: int = 1080
    services: tuple[str, ...] = SERVICES
    service_ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    # Placeholders {python} {name} {module} {port}; tests point it at a fake service.
    service_command: str = DEFAULT_COMMAND
    base_env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    # Processes per service (CLOSELOOP_DEVSTACK_REPLICAS). Replica 1 is ``<name>`` on
    # ``service_ports[name]``; replica i > 1 is ``<name>-<i>`` on ``replica_ports``.
    replicas: int = 1
    replica_ports: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, services: Sequence[str] | None = None
    ) -> StackConfig:
        """Settings from CLOSELOOP_* variables, with the documented defaults."""
        env = dict(os.environ if environ is None else environ)
        controller = env.get("CLOSELOOP_KAFKA_CONTROLLER_PORT")
        chosen = tuple(services) if services is not None else SERVICES
        unknown = sorted(set(chosen) - set(SERVICES))
        if unknown:
            raise DevstackError(f"unknown services {unknown}; known: {', '.join(SERVICES)}")
        replicas = _int_env(env, "CLOSELOOP_DEVSTACK_REPLICAS", 1)
        if replicas < 1:
            raise DevstackError(f"CLOSELOOP_DEVSTACK_REPLICAS must be at least 1, got {replicas}")
        ports = {n: _int_env(env, port_variable(n), p) for n, p in DEFAULT_PORTS.items()}
        return cls(
            run_dir=Path(env["CLOSELOOP_RUN_DIR"]) if env.get("CLOSELOOP_RUN_DIR") else run_dir(),
            kafka_port=_int_env(env, "CLOSELOOP_KAFKA_PORT", 9092),
            kafka_controller_port=int(controller) if controller else None,
            mongo_port=_int_env(env, "CLOSELOOP_MONGO_PORT", 27017),
            smtp_port=_int_env(env, "CLOSELOOP_SMTP_SINK_PORT", 1025),
            smtp_http_port=_int_env(env, "CLOSELOOP_SMTP_SINK_HTTP_PORT", 1080),
            services=chosen,
            service_ports=ports,
            service_command=env.get("CLOSELOOP_SERVICE_CMD_TEMPLATE") or DEFAULT_COMMAND,
            base_env=env,
            replicas=replicas,
            # Fixed ports for `make run`: replica i of a service listens 100 * (i - 1) higher.
            replica_ports={
                replica_name(n, i): ports[n] + 100 * (i - 1)
                for n in chosen
                for i in range(2, replicas + 1)
            },
        )

    @classmethod
    def with_free_ports(
        cls,
        run_dir: Path,
        *,
        services: Sequence[str] = SERVICES,
        service_command: str = DEFAULT_COMMAND,
        replicas: int = 1,
    ) -> StackConfig:
        """A config on free ports (for end-to-end tests that run beside `make run`)."""
        return cls(
            run_dir=run_dir,
            kafka_port=free_port(),
            mongo_port=free_port(),
            smtp_port=free_port(),
            smtp_http_port=free_port(),
            services=tuple(services),
            service_ports={name: free_port() for name in SERVICES},
            service_command=service_command,
            base_env={**os.environ, "CLOSELOOP_INTAKE_SMTP_PORT": str(free_port())},
            replicas=replicas,
            replica_ports={
                replica_name(n, i): free_port() for n in services for i in range(2, replicas + 1)
            },
        )

    def replica_names(self, service: str) -> list[str]:
        """Names of the replicas of ``service``: ``intake``, ``intake-2``, ..."""
        return [replica_name(service, i) for i in range(1, self.replicas + 1)]

    def replica_port(self, replica: str) -> int:
        """HTTP port of one replica (``intake`` or ``intake-2``)."""
        return self.replica_ports.get(replica) or self.service_ports[replica]

    def replica_env(self, service: str, index: int) -> dict[str, str]:
        """Environment of replica ``index`` of ``service``: the shared one, plus its own
        port and, for replicas past the first, its own local state and listeners (the SLA
        worker's RocksDB folder, intake's inbound mail port). Consumer groups are shared."""
        env = self.service_env()
        name = replica_name(service, index)
        env[port_variable(service)] = str(self.replica_port(name))
        if index > 1:
            env["CLOSELOOP_SLA_DATA_DIR"] = f"{env['CLOSELOOP_SLA_DATA_DIR']}-{index}"
            env["CLOSELOOP_INTAKE_SMTP_PORT"] = str(free_port())
        return env

    @property
    def log_dir(self) -> Path:
        """Where every component's log file goes."""
        return self.run_dir / "logs"

    def service_env(self) -> dict[str, str]:
        """Environment of every service process."""
        env = dict(self.base_env)
        env.update(
            {
                "CLOSELOOP_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.kafka_port}",
                "CLOSELOOP_MONGO_URI": local_uri(self.mongo_port),
                "CLOSELOOP_SMTP_HOST": "127.0.0.1",
                "CLOSELOOP_SMTP_PORT": str(self.smtp_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.setdefault("CLOSELOOP_ENV", "development")
        # The SLA worker's RocksDB tables belong to this stack's data, never another's.
        env.setdefault("CLOSELOOP_SLA_DATA_DIR", str(self.run_dir / "sla-data"))
        env.update({port_variable(n): str(p) for n, p in self.service_ports.items()})
        # The console calls the other services over HTTP, on this stack's ports.
        env.update(
            {url_variable(n): f"http://127.0.0.1:{p}" for n, p in self.service_ports.items()}
        )
        return env


class Stack:
    """All components of one local system, started and stopped in dependency order."""

    def __init__(self, config: StackConfig, *, say: Callable[[str], None] | None = None) -> None:
        self.config = config
        self._say = say or (lambda _text: None)
        logs = config.log_dir
        self.kafka = KafkaBroker(
            config.run_dir / "kafka",
            config.kafka_port,
            controller_port=config.kafka_controller_port,
            log_path=logs / "kafka.log",
        )
        self.mongo = MongoServer(
            config.run_dir / "mongo", config.mongo_port, log_path=logs / "mongo.log"
        )
        self.smtp_sink = SmtpSinkProcess(
            config.run_dir / "smtp-sink",
            config.smtp_port,
            http_port=config.smtp_http_port,
            log_path=logs / "smtp-sink.log",
        )
        # Every replica of every service, by replica name (``intake``, ``intake-2``, ...).
        self.services = {
            replica_name(name, i): ServiceProcess(
                replica_name(name, i),
                config.replica_port(replica_name(name, i)),
                service_argv(
                    config.service_command, name, config.replica_port(replica_name(name, i))
                ),
                config.replica_env(name, i),
                logs / f"{replica_name(name, i)}.log",
            )
            for name in config.services
            for i in range(1, config.replicas + 1)
        }

    def log_files(self) -> dict[str, Path]:
        """Log file of every component, by name."""
        files = {"kafka": self.kafka.log_path, "mongo": self.mongo.log_path}
        files["smtp-sink"] = self.smtp_sink.log_path
        files.update({name: svc.log_path for name, svc in self.services.items()})
        return files

    def component(self, name: str) -> Component:
        """One part by name: kafka, mongo, smtp-sink or a service name."""
        infra: dict[str, Component] = {"kafka": self.kafka, "mongo": self.mongo}
        infra["smtp-sink"] = self.smtp_sink
        found = infra.get(name) or self.services.get(name)
        if found is None:
            raise DevstackError(f"no component {name!r}; have {', '.join(self.log_files())}")
        return found

    def start_infra(self, timeout: float = 120.0) -> dict[str, float]:
        """Start Kafka, SecantusDB and the sink side by side; returns seconds to ready each."""
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        timings: dict[str, float] = {}
        try:
            self.kafka.spawn()  # may download the jars first, once
            self.mongo.spawn()
            self.smtp_sink.spawn()
            for name, waiter in (
                ("mongo", self.mongo.wait_ready),
                ("smtp-sink", self.smtp_sink.wait_ready),
                ("kafka", self.kafka.wait_ready),
            ):
                waiter(max(1.0, timeout - (time.monotonic() - started)))
                timings[name] = time.monotonic() - started
                self._say(f"{name} ready in {timings[name]:.1f} s")
        except BaseException:
            self.stop_infra()
            raise
        return timings

    def start_services(
        self, names: Sequence[str] | None = None, timeout: float = 60.0
    ) -> tuple[dict[str, float], dict[str, str]]:
        """Start services together and poll their /readyz.

        Returns (seconds to ready by name, failure report by name); a failed service is
        reported, not raised, so the others keep running.
        """
        chosen = [self.services[n] for n in (names or list(self.services))]
        started = time.monotonic()
        ready: dict[str, float] = {}
        failed: dict[str, str] = {}
        for svc in chosen:
            svc.spawn()
        pending = list(chosen)
        while pending:
            for svc in list(pending):
                try:
                    ok = svc.is_ready()
                except DevstackError as exc:
                    failed[svc.name] = str(exc)
                    pending.remove(svc)
                    continue
                if ok:
                    ready[svc.name] = time.monotonic() - started
                    pending.remove(svc)
                    self._say(f"{svc.name} ready in {ready[svc.name]:.1f} s")
            if pending and time.monotonic() - started > timeout:
                for svc in pending:
                    failed[svc.name] = (
                        f"service {svc.name} not ready within {timeout:.0f} s; "
                        f"last lines of {svc.log_path}:\n{svc.log_tail()}"
                    )
                break
            if pending:
                time.sleep(0.2)
        return ready, failed

    def start(self, *, with_services: bool = True, timeout: float = 120.0) -> dict[str, float]:
        """Start everything; raises if any component fails. Returns seconds to ready."""
        timings = self.start_infra(timeout)
        if with_services:
            ready, failed = self.start_services(timeout=timeout)
            timings |= ready
            if failed:
                self.stop()
                raise DevstackError("\n\n".join(failed.values()))
        return timings

    def stop_services(self, timeout: float = 15.0) -> None:
        """SIGTERM every service at once, SIGKILL those still alive after `timeout`."""
        for svc in self.services.values():
            svc.terminate()
        deadline = time.monotonic() + timeout
        for svc in self.services.values():
            svc.stop(max(0.1, deadline - time.monotonic()))

    def stop_infra(self) -> None:
        """Stop the sink, then Kafka, then SecantusDB."""
        self.smtp_sink.stop()
        self.kafka.stop()
        self.mongo.stop()

    def stop(self) -> None:
        """Stop everything: services first, then the infrastructure."""
        self.stop_services()
        self.stop_infra()

    def kill_all_now(self) -> None:
        """SIGKILL every running component's process group and return at once.

        Safe inside a signal handler, unlike `kill`: waiting on a child there can deadlock
        with the `Popen.wait` the signal interrupted, which still holds that child's lock.
        The interrupted `stop` then sees each child exit and finishes by itself."""
        for name in [*self.services, *INFRA]:
            component = self.component(name)
            pid = component.pid
            # is_running() never blocks (poll() gives up if the wait lock is held), and it
            # keeps a reaped child's pid, possibly reused since, from being signalled.
            if pid is not None and component.is_running():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)

    def kill(self, name: str) -> int | None:
        """SIGKILL one component (kafka, mongo, smtp-sink or a service)."""
        return self.component(name).kill()

    def restart(self, name: str, timeout: float = 60.0) -> float:
        """Restart one component on the same ports and data; returns seconds to ready."""
        return self.component(name).restart(timeout)
