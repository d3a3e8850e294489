"""pytest fixtures for real infrastructure: one Kafka and one SecantusDB per test session.

Register from the root conftest: `pytest_plugins = ["closeloop_devstack.pytest_plugin"]`.
Servers start lazily (only when a test asks for them) on free ports in a tmp dir, and are
stopped at the end of the session; if the session dies, they die with it (see process.py).

Fixtures:
- `kafka_broker` (session) KafkaBroker, `kafka_bootstrap` (session) "127.0.0.1:<port>"
- `mongo_server` (session) MongoServer, `mongo_uri` (session) "mongodb://127.0.0.1:<port>/?retryWrites=false"
- `smtp_sink` (function) the session's SmtpSinkProcess, running and emptied for each test
- `unique_name` (function) callable: unique_name("orders") -> "test_x_orders_1a2b3c4d"
- `kafka_broker_factory` / `mongo_server_factory` (function) dedicated servers for tests that
  kill or restart them; stopped when the test ends
"""

from __future__ import annotations

import re
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import free_port
from closeloop_devstack.smtp_sink import SmtpSinkProcess

START_TIMEOUT = 120.0


def _interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so pytest still runs fixture teardown."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, handler)


@pytest.fixture(scope="session")
def devstack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session folder holding the data and logs of the test servers."""
    return tmp_path_factory.mktemp("devstack")


@pytest.fixture(scope="session")
def kafka_broker(devstack_dir: Path) -> Iterator[KafkaBroker]:
    """A real single-node KRaft broker shared by the whole session."""
    _interrupt_on_sigterm()
    broker = KafkaBroker(devstack_dir / "kafka", free_port())
    broker.start(timeout=START_TIMEOUT)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    """Bootstrap servers of the session broker."""
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def mongo_server(devstack_dir: Path) -> Iterator[MongoServer]:
    """A real SecantusDB server shared by the whole session."""
    _interrupt_on_sigterm()
    server = MongoServer(devstack_dir / "mongo", free_port())
    server.start(timeout=START_TIMEOUT)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_uri(mongo_server: MongoServer) -> str:
    """Connection string of the session SecantusDB."""
    return mongo_server.uri


@pytest.fixture(scope="session")
def smtp_sink_process(devstack_dir: Path) -> Iterator[SmtpSinkProcess]:
    """The session's SMTP sink process (see `smtp_sink`)."""
    _interrupt_on_sigterm()
    sink = SmtpSinkProcess(devstack_dir / "smtp-sink", free_port(), http_port=free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink(smtp_sink_process: SmtpSinkProcess) -> SmtpSinkProcess:
    """The SMTP sink, running (restarted if an earlier test stopped it) and empty."""
    if not smtp_sink_process.is_running():
        smtp_sink_process.start()
    smtp_sink_process.clear()
    return smtp_sink_process


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Make names no other test uses: letters, digits and '_' (valid topic, db, group)."""
    base = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:40]

    def make(suffix: str = "") -> str:
        tail = re.sub(r"[^a-z0-9]+", "_", suffix.lower()).strip("_")
        parts = [base, tail, uuid.uuid4().hex[:8]]
        return "_".join(part for part in parts if part)

    return make


@pytest.fixture
def kafka_broker_factory(tmp_path: Path) -> Iterator[Callable[[], KafkaBroker]]:
    """Start dedicated brokers (free ports, own data) for fault-injection tests."""
    made: list[KafkaBroker] = []

    def make() -> KafkaBroker:
        broker = KafkaBroker(tmp_path / f"kafka-{len(made)}", free_port())
        made.append(broker)
        broker.start(timeout=START_TIMEOUT)
        return broker

    yield make
    for broker in made:
        broker.stop()


@pytest.fixture
def mongo_server_factory(tmp_path: Path) -> Iterator[Callable[[], MongoServer]]:
    """Start dedicated SecantusDB servers (free ports, own storage) for fault-injection tests."""
    made: list[MongoServer] = []

    def make() -> MongoServer:
        server = MongoServer(tmp_path / f"mongo-{len(made)}", free_port())
        made.append(server)
        server.start(timeout=START_TIMEOUT)
        return server

    yield make
    for server in made:
        server.stop()
