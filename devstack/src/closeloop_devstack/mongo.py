"""SecantusDB's Rust server (`secantusd-rs`, a MongoDB wire-protocol server) as a child process.

It runs with ``--sync-on-commit``: every commit fsyncs the write-ahead log. Without it the
server acknowledged ``j:true`` writes it then lost on kill -9 (64-158 of them in a test here);
with it, none (devstack/tests/test_devstack_mongo_durability.py).
"""

from __future__ import annotations

from pathlib import Path

from closeloop_devstack.process import DevstackError, ManagedProcess, port_is_free, wait_until
from closeloop_devstack.secantusd import ensure_binary


def _ping(uri: str) -> bool:
    """True when the server answers a `ping` command."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=300, connectTimeoutMS=300, directConnection=True
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


def local_uri(port: int) -> str:
    """Connection string of the local SecantusDB server on ``port``.

    ``retryWrites=false``: SecantusDB keeps a record per retryable write for 30 minutes and
    scans (past 10,000, sorts) them on every write, so a server that has taken 10,000
    retryable writes falls from ~1,300 to ~94 inserts/s here, against ~1,365/s without them
    (measured with 8 writers). The services do not depend on the driver's single automatic
    retry: consumers redeliver and retry, HTTP clients retry with their Idempotency-Key. A
    real MongoDB keeps pymongo's default (retryable writes on).
    """
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false"


class MongoServer:
    """A secantusd-rs server on 127.0.0.1:`port` whose storage and log live in `data_dir`.

    ``sync_on_commit`` (default on) makes every acknowledged write durable across kill -9.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        cache_size: str = "256M",
        log_level: str = "WARNING",
        log_path: Path | None = None,
        sync_on_commit: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.cache_size = cache_size
        self.log_level = log_level
        self.sync_on_commit = sync_on_commit
        self.log_path = log_path or self.data_dir / "secantusdb.log"
        self._proc: ManagedProcess | None = None

    @property
    def uri(self) -> str:
        """Connection string for pymongo."""
        return local_uri(self.port)

    def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait until `ping` succeeds; returns seconds taken."""
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> None:
        """Launch the server process without waiting for readiness."""
        if self.is_running():
            raise DevstackError(f"secantusdb on port {self.port} is already running")
        if not port_is_free(self.port):
            raise DevstackError(f"secantusdb port 127.0.0.1:{self.port} is already in use")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # An explicit (empty) config turns off the launcher's search of ./ and ~/ for one.
        config = self.data_dir / "secantusd.toml"
        if not config.exists():
            config.write_text("# settings come from the command line (closeloop_devstack)\n")
        argv = [
            str(ensure_binary()),
            "--config", str(config),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--storage-path", str(self.data_dir / "storage"),
            "--cache-size", self.cache_size,
            "--log-level", self.log_level,
            *(["--sync-on-commit"] if self.sync_on_commit else []),
        ]  # fmt: skip
        self._proc = ManagedProcess("mongo", argv, self.log_path, cwd=self.data_dir)
        self._proc.spawn()

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until a pymongo `ping` succeeds; returns seconds waited."""
        if self._proc is None:
            raise DevstackError("secantusdb was never started")
        return wait_until(
            lambda: _ping(self.uri), timeout=timeout, proc=self._proc, what="a successful ping"
        )

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (clean WiredTiger close), SIGKILL after `timeout` seconds."""
        return self._proc.stop(timeout) if self._proc is not None else None

    def kill(self) -> int | None:
        """SIGKILL the server (crash simulation)."""
        return self._proc.kill() if self._proc is not None else None

    def restart(self, timeout: float = 60.0) -> float:
        """Stop if running, then start on the same storage and port."""
        self.stop()
        return self.start(timeout)

    def is_running(self) -> bool:
        """Tell whether the server process is alive."""
        return self._proc is not None and self._proc.is_running()

    @property
    def pid(self) -> int | None:
        """Process id of the server, or None."""
        return self._proc.pid if self._proc is not None else None
