"""A single-node KRaft Kafka broker (broker + controller in one JVM) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from closeloop_devstack.kafka_dist import KAFKA_VERSION, ensure_kafka_libs, require_java
from closeloop_devstack.process import (
    DevstackError,
    ManagedProcess,
    free_port,
    port_is_free,
    wait_until,
)

# Small and quick rather than durable: one node, compact segments, no startup delays.
_BROKER_SETTINGS = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "auto.create.topics.enable": "false",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "5",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "5",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    # After a kill -9 the restarted node waits for its old broker session to expire (9 s by
    # default) before it serves; fault-injection tests restart often, so keep that short.
    "broker.heartbeat.interval.ms": "500",
    "broker.session.timeout.ms": "3000",
    "log.segment.bytes": str(8 * 1024 * 1024),
    "log.retention.hours": "168",
    "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
    "num.network.threads": "2",
    "num.io.threads": "4",
    "num.recovery.threads.per.data.dir": "2",
}

_LOG4J2 = """\
status = warn
shutdownHook = disable
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.out.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
logger.topics.name = org.apache.kafka.controller.ReplicationControlManager
logger.topics.level = INFO
logger.groups.name = org.apache.kafka.coordinator.group
logger.groups.level = INFO
"""


def _run_coroutine(coro: Coroutine[Any, Any, bool]) -> bool:
    """Run `coro` on a private event loop, also when the caller is inside one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _metadata_ok(bootstrap: str) -> bool:
    """True when the broker answers a metadata request and lists itself."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except Exception:
        return False
    finally:
        await admin.close()
    return bool(cluster.get("brokers"))


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class KafkaBroker:
    """One KRaft Kafka node whose data, config and log live in `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        controller_port: int | None = None,
        heap: str = "512m",
        version: str = KAFKA_VERSION,
        log_path: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.heap = heap
        self.version = version
        self.log_path = log_path or self.data_dir / "kafka.log"
        self._state_path = self.data_dir / "devstack-kafka.json"
        self.controller_port = controller_port or self._pick_controller_port()
        self._proc: ManagedProcess | None = None

    @property
    def bootstrap(self) -> str:
        """Bootstrap servers string for clients."""
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start the broker and wait until it answers metadata; returns seconds taken."""
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> None:
        """Format storage if needed and launch the JVM without waiting for readiness."""
        if self.is_running():
            raise DevstackError(f"kafka on port {self.port} is already running")
        if not port_is_free(self.port):
            raise DevstackError(f"kafka port 127.0.0.1:{self.port} is already in use")
        java = require_java()
        libs = ensure_kafka_libs(self.version)
        config = self._write_config()
        self._format_storage(java, libs, config)
        argv = [*self._jvm_argv(java, libs), "kafka.Kafka", str(config)]
        self._proc = ManagedProcess("kafka", argv, self.log_path, env=self._jvm_env())
        self._proc.spawn()

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until a metadata request succeeds; returns seconds waited."""
        if self._proc is None:
            raise DevstackError("kafka was never started")
        return wait_until(
            lambda: _port_open(self.port) and _run_coroutine(_metadata_ok(self.bootstrap)),
            timeout=timeout,
            proc=self._proc,
            what="a successful metadata request",
            interval=0.1,
        )

    def stop(self, timeout: float = 30.0) -> int | None:
        """Graceful shutdown (SIGTERM, controlled shutdown), SIGKILL after `timeout`."""
        return self._proc.stop(timeout) if self._proc is not None else None

    def kill(self) -> int | None:
        """SIGKILL the broker (crash simulation)."""
        return self._proc.kill() if self._proc is not None else None

    def restart(self, timeout: float = 60.0) -> float:
        """Stop gracefully if running, then start on the same data and ports."""
        self.stop()
        return self.start(timeout)

    def is_running(self) -> bool:
        """Tell whether the broker JVM is alive."""
        return self._proc is not None and self._proc.is_running()

    @property
    def pid(self) -> int | None:
        """Process id of the JVM, or None."""
        return self._proc.pid if self._proc is not None else None

    def _load_state(self) -> dict[str, Any]:
        if self._state_path.is_file():
            state: dict[str, Any] = json.loads(self._state_path.read_text())
            return state
        return {}

    def _save_state(self, **changes: Any) -> dict[str, Any]:
        state = self._load_state() | changes
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._state_path.write_text(json.dumps(state, indent=2))
        return state

    def _pick_controller_port(self) -> int:
        """Reuse the controller port of an earlier run of this data dir when it is free."""
        previous = self._load_state().get("controller_port")
        if isinstance(previous, int) and previous != self.port and port_is_free(previous):
            return previous
        return free_port()

    def _cluster_id(self) -> str:
        state = self._load_state()
        if "cluster_id" not in state:
            raw = "-"
            while raw.startswith("-"):  # kafka-storage rejects ids that look like options
                raw = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            state = self._save_state(cluster_id=raw)
        return str(state["cluster_id"])

    def _write_config(self) -> Path:
        self._save_state(controller_port=self.controller_port)
        settings = _BROKER_SETTINGS | {
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.data_dir / "logs"),
        }
        config = self.data_dir / "server.properties"
        config.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        level = os.environ.get("CLOSELOOP_KAFKA_LOG_LEVEL", "WARN")
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2.format(level=level))
        return config

    def _jvm_argv(self, java: str, libs: Path) -> list[str]:
        return [
            java,
            "-Xms128m",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",  # one small heap: the serial collector starts fastest
            "-XX:TieredStopAtLevel=1",  # C1 only: quicker startup, plenty for dev traffic
            "-XX:-UsePerfData",
            "-Xshare:auto",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp",
            str(libs / "*"),
        ]

    def _jvm_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for inherited in ("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "JAVA_TOOL_OPTIONS", "CLASSPATH"):
            env.pop(inherited, None)
        return env

    def _format_storage(self, java: str, libs: Path, config: Path) -> None:
        """Format the KRaft log dir once, with the cluster id kept in the state file."""
        if (self.data_dir / "logs" / "meta.properties").is_file():
            return
        argv = [
            *self._jvm_argv(java, libs),
            "kafka.tools.StorageTool", "format", "--ignore-formatted",
            "-t", self._cluster_id(), "-c", str(config),
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            done = subprocess.run(  # noqa: S603 - argv built here
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._jvm_env(),
                check=False,
                timeout=120,
            )
        if done.returncode != 0:
            raise DevstackError(
                f"formatting Kafka storage in {self.data_dir} failed (status {done.returncode}); "
                f"see {self.log_path}"
            )
