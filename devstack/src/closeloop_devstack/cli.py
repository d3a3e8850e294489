"""`python -m closeloop_devstack <command>`: run the local system and its parts."""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from closeloop_devstack.kafka_dist import KAFKA_VERSION, ensure_kafka_libs, write_lock
from closeloop_devstack.log_echo import LogEcho
from closeloop_devstack.process import DevstackError
from closeloop_devstack.secantusd import SECANTUSD_VERSION, ensure_binary
from closeloop_devstack.service import SERVICES
from closeloop_devstack.smtp_sink import serve
from closeloop_devstack.stack import INFRA, Stack, StackConfig


class _StopSignals:
    """The first Ctrl-C or SIGTERM stops the stack gracefully; any later one kills it.

    A later signal must not raise: raised inside ``Popen.wait`` it leaves that child's
    wait lock held, and killing then waits on the same lock forever (seen when both ``uv``
    and the devstack got SIGTERM). So the handler for it only sends SIGKILL, and the
    graceful stop it interrupted sees every child exit and finishes by itself."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self.killed = False

    def install(self) -> None:
        self._handle_with(self._first)

    def stopping(self) -> None:
        """From here on, a signal kills instead of interrupting."""
        self._handle_with(self._again)

    def _handle_with(self, handler: Callable[[int, FrameType | None], None]) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, handler)

    def _first(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping()
        raise KeyboardInterrupt

    def _again(self, _signum: int, _frame: FrameType | None) -> None:
        self.killed = True
        self._stack.kill_all_now()


def _loud(echo: LogEcho, text: str) -> None:
    head, _, rest = text.partition("\n")
    echo.emit("devstack", f"{'!' * 12} {head} {'!' * 12}")
    if rest:
        echo.emit("devstack", rest)


def _stop(stack: Stack, echo: LogEcho, signals: _StopSignals) -> None:
    echo.emit("devstack", "stopping: services, then smtp-sink, kafka, mongo (Ctrl-C again to kill)")
    signals.stopping()
    stack.stop()
    if signals.killed:
        echo.emit("devstack", "killed everything (signalled again while stopping)")
    # The components' last log lines are echoed first, so "stopped" is really the last line.
    echo.stop()
    echo.emit("devstack", "stopped")


def _monitor(stack: Stack, echo: LogEcho, reported: set[str]) -> None:
    """Report every component that exits by itself, once, until interrupted."""
    while True:
        time.sleep(0.5)
        for name in [*INFRA, *stack.services]:
            alive = stack.component(name).is_running()
            if alive:
                reported.discard(name)
            elif name not in reported:
                reported.add(name)
                svc = stack.services.get(name)
                if svc is not None:
                    _loud(echo, svc.exit_report())
                else:
                    _loud(echo, f"{name} EXITED; see {stack.log_files()[name]}")


def run(services: Sequence[str] | None, *, no_services: bool) -> int:
    """Start the stack, print readiness, follow logs until Ctrl-C or SIGTERM."""
    config = StackConfig.from_env(services=services)
    echo = LogEcho()
    stack = Stack(config, say=lambda text: echo.emit("devstack", text))
    for name, path in stack.log_files().items():
        echo.follow(name, path)
    signals = _StopSignals(stack)
    signals.install()
    echo.start()
    started = time.monotonic()
    code = 0
    failed: dict[str, str] = {}
    try:
        echo.emit("devstack", f"data in {config.run_dir}, logs in {config.log_dir}")
        stack.start_infra()
        echo.emit("devstack", f"infrastructure ready in {time.monotonic() - started:.1f} s")
        if not no_services:
            ready, failed = stack.start_services()
            for report in failed.values():
                _loud(echo, report)
            total = time.monotonic() - started
            if failed:
                echo.emit(
                    "devstack",
                    f"{len(ready)} of {len(stack.services)} services ready in {total:.1f} s; "
                    f"FAILED: {', '.join(sorted(failed))}",
                )
            else:
                echo.emit("devstack", f"all services ready in {total:.1f} s")
        echo.emit(
            "devstack",
            f"kafka {stack.kafka.bootstrap} | mongo {stack.mongo.uri} | smtp 127.0.0.1:"
            f"{config.smtp_port} (mail at {stack.smtp_sink.http_url}/messages) | "
            + " ".join(f"{n}={s.url}" for n, s in stack.services.items()),
        )
        _monitor(stack, echo, reported=set(failed))
    except KeyboardInterrupt:
        pass
    except DevstackError as exc:
        _loud(echo, str(exc))
        code = 1
    finally:
        _stop(stack, echo, signals)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m closeloop_devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_cmd = sub.add_parser("run", help="Kafka, SecantusDB, SMTP sink and the services")
    run_cmd.add_argument("--no-services", action="store_true", help="infrastructure only")
    run_cmd.add_argument("--services", help=f"comma-separated subset of {','.join(SERVICES)}")
    sink = sub.add_parser("smtp-sink", help="development SMTP server with an HTTP mail viewer")
    sink.add_argument("--dir", type=Path, default=Path(".run/smtp-sink/mail"))
    sink.add_argument("--host", default="127.0.0.1")
    sink.add_argument("--port", type=int, default=1025)
    sink.add_argument("--http-port", type=int, default=1080)
    fetch = sub.add_parser("kafka-fetch", help="download and verify the Kafka jars")
    fetch.add_argument("--version", default=KAFKA_VERSION)
    build = sub.add_parser(
        "database-build", help="compile the pinned local database server once (cached)"
    )
    build.add_argument("--version", default=SECANTUSD_VERSION)
    lock = sub.add_parser("kafka-lock", help="re-resolve the Kafka jars and rewrite the lock")
    lock.add_argument("--version", default=KAFKA_VERSION)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m closeloop_devstack`."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            chosen = (
                [s.strip() for s in args.services.split(",") if s.strip()]
                if args.services
                else None
            )
            return run(chosen, no_services=args.no_services)
        if args.command == "smtp-sink":
            return serve(args.dir, args.host, args.port, args.http_port)
        if args.command == "database-build":
            print(ensure_binary(args.version))
            return 0
        if args.command == "kafka-fetch":
            print(ensure_kafka_libs(args.version))
            return 0
        print(write_lock(args.version))
        return 0
    except DevstackError as exc:
        print(f"closeloop_devstack: {exc}")
        return 1
