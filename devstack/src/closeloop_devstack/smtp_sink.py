"""Development SMTP sink: accepts every mail, keeps it as .eml, and shows it over HTTP.

HTTP API (JSON): `GET /messages` summaries oldest first, `GET /messages/{id}` the raw message,
`DELETE /messages` (or `/messages/{id}`) removes, `GET /healthz`.
Run it alone with `python -m closeloop_devstack smtp-sink`, or as `SmtpSinkProcess`.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from closeloop_devstack.mailbox import Mailbox
from closeloop_devstack.process import DevstackError, ManagedProcess, wait_until


class _StoreHandler:
    """aiosmtpd handler: every accepted message goes to the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode()
        self.mailbox.save(str(envelope.mail_from or ""), [str(r) for r in envelope.rcpt_tos], data)
        return "250 Message accepted for delivery"


def _accept_any_login(*_args: Any) -> AuthResult:
    """Development only: any AUTH credentials are fine, as with a real relay in dev mode."""
    return AuthResult(success=True)


def _http_handler(mailbox: Mailbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: requests are not worth a log line each."""

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: HTTPStatus, value: object) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/healthz":
                self._json(HTTPStatus.OK, {"status": "ok"})
            elif path == "/messages":
                self._json(HTTPStatus.OK, mailbox.summaries())
            elif path.startswith("/messages/"):
                raw = mailbox.raw(path.removeprefix("/messages/"))
                if raw is None:
                    self._json(HTTPStatus.NOT_FOUND, {"error": "no such message"})
                else:
                    self._send(HTTPStatus.OK, raw, "message/rfc822")
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

        def do_DELETE(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/messages":
                self._json(HTTPStatus.OK, {"deleted": mailbox.clear()})
            elif path.startswith("/messages/") and mailbox.delete(path.removeprefix("/messages/")):
                self._json(HTTPStatus.OK, {"deleted": 1})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "no such message"})

    return Handler


class SmtpSink:
    """The sink inside this process: SMTP on `port`, HTTP on `http_port` (threads)."""

    def __init__(
        self, mail_dir: Path, *, host: str = "127.0.0.1", port: int = 1025, http_port: int = 1080
    ) -> None:
        self.mailbox = Mailbox(mail_dir)
        self.host = host
        self.port = port
        self.http_port = http_port
        self._smtp: Controller | None = None
        self._http: ThreadingHTTPServer | None = None

    def start(self) -> None:
        """Bind both ports and serve in background threads."""
        self._smtp = Controller(
            _StoreHandler(self.mailbox),
            hostname=self.host,
            port=self.port,
            enable_SMTPUTF8=True,
            authenticator=_accept_any_login,
            auth_require_tls=False,
        )
        self._smtp.start()
        self._http = ThreadingHTTPServer((self.host, self.http_port), _http_handler(self.mailbox))
        threading.Thread(
            target=self._http.serve_forever, name="smtp-sink-http", daemon=True
        ).start()

    def stop(self) -> None:
        """Close both servers."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None


def serve(mail_dir: Path, host: str, port: int, http_port: int) -> int:
    """Run the sink in the foreground until SIGINT or SIGTERM."""
    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sink = SmtpSink(mail_dir, host=host, port=port, http_port=http_port)
    sink.start()
    print(
        f"smtp-sink: SMTP {host}:{port}, HTTP http://{host}:{http_port}/messages, "
        f"files in {mail_dir}",
        flush=True,
    )
    done.wait()
    sink.stop()
    print("smtp-sink: stopped", flush=True)
    return 0


def _smtp_banner(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"220")
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:  # noqa: S310 - loopback URL
            return bool(reply.status == HTTPStatus.OK)
    except (OSError, urllib.error.URLError):
        return False


class SmtpSinkProcess:
    """The sink as a child process, so tests can stop, kill and restart it."""

    def __init__(
        self,
        data_dir: Path,
        port: int = 1025,
        *,
        http_port: int = 1080,
        log_path: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.mail_dir = self.data_dir / "mail"
        self.port = port
        self.http_port = http_port
        self.host = "127.0.0.1"
        self.log_path = log_path or self.data_dir / "smtp-sink.log"
        self.mailbox = Mailbox(self.mail_dir)
        self._proc: ManagedProcess | None = None

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP API."""
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 30.0) -> float:
        """Start the sink and wait for the SMTP banner and HTTP health; returns seconds."""
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> None:
        """Launch the sink process without waiting."""
        if self.is_running():
            raise DevstackError(f"smtp sink on port {self.port} is already running")
        argv = [
            sys.executable, "-m", "closeloop_devstack", "smtp-sink",
            "--dir", str(self.mail_dir), "--port", str(self.port),
            "--http-port", str(self.http_port),
        ]  # fmt: skip
        self._proc = ManagedProcess("smtp-sink", argv, self.log_path)
        self._proc.spawn()

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Wait until both SMTP and HTTP answer; returns seconds waited."""
        if self._proc is None:
            raise DevstackError("smtp sink was never started")
        return wait_until(
            lambda: _smtp_banner(self.port) and _http_ok(f"{self.http_url}/healthz"),
            timeout=timeout,
            proc=self._proc,
            what="SMTP and HTTP readiness",
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, SIGKILL after `timeout` seconds."""
        return self._proc.stop(timeout) if self._proc is not None else None

    def kill(self) -> int | None:
        """SIGKILL the sink."""
        return self._proc.kill() if self._proc is not None else None

    def restart(self, timeout: float = 30.0) -> float:
        """Stop if running, then start again on the same ports and folder."""
        self.stop()
        return self.start(timeout)

    @property
    def pid(self) -> int | None:
        """Process id of the sink, or None."""
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        """Tell whether the sink process is alive."""
        return self._proc is not None and self._proc.is_running()

    def messages(self) -> list[dict[str, Any]]:
        """Summaries of the received messages (read from the folder, works while stopped)."""
        return self.mailbox.summaries()

    def clear(self) -> int:
        """Delete every received message."""
        return self.mailbox.clear()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages are stored; returns their summaries."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)
