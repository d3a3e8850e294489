"""``closeloop report service`` asks the feedback API for the report (it imports no service
package): the request it sends, the file it writes and its exit codes. The feedback side of
the endpoint is tested against the real service in feedback's integration tests; here a
stand-in HTTP server on a free port plays it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from closeloop_cli.main import main

PDF = b"%PDF-1.7 the report"


class StandIn(BaseHTTPRequestHandler):
    """Answers like ``GET /v1/reports/service``: a PDF, or a 422 problem for a bad period."""

    seen: list[tuple[str, dict[str, list[str]], str | None]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        StandIn.seen.append((url.path, query, self.headers.get("Authorization")))
        if query.get("period") == ["2026-Q5"]:
            body = json.dumps({"status": 422, "detail": "invalid request: period"}).encode()
            self.send_response(422)
            self.send_header("Content-Type", "application/problem+json")
        else:
            body = PDF
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return


@pytest.fixture
def feedback_url() -> Iterator[str]:
    StandIn.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_report_is_fetched_from_the_feedback_api_with_the_token_and_written(
    feedback_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports" / "q4.pdf"
    argv = ["report", "service", "--period", "2026-Q4", "--format", "pdf", "--lang", "zh-CN"]
    code = main([*argv, "--out", str(out), "--url", feedback_url, "--token", "tok"])
    assert code == 0
    assert out.read_bytes() == PDF
    assert capsys.readouterr().out.strip() == str(out)
    ((path, query, authorization),) = StandIn.seen
    assert path == "/v1/reports/service"
    assert query == {"period": ["2026-Q4"], "format": ["pdf"], "lang": ["zh-CN"]}
    assert authorization == "Bearer tok"


def test_a_refused_period_exits_2_with_the_services_message_and_writes_nothing(
    feedback_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bad.html"
    argv = ["report", "service", "--period", "2026-Q5", "--out", str(out)]
    assert main([*argv, "--url", feedback_url, "--token", "tok"]) == 2
    assert "422 invalid request: period" in capsys.readouterr().err
    assert not out.exists()


def test_without_a_token_nothing_is_sent(
    feedback_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CLOSELOOP_TOKEN", raising=False)
    assert main(["report", "service", "--period", "2026-Q4", "--url", feedback_url]) == 2
    assert "a token is needed" in capsys.readouterr().err
    assert StandIn.seen == []


def test_an_unreachable_service_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), StandIn) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    argv = ["report", "service", "--period", "2026-Q4", "--out", str(tmp_path / "r.html")]
    assert main([*argv, "--url", f"http://127.0.0.1:{port}", "--token", "tok"]) == 1
    assert "cannot reach" in capsys.readouterr().err
