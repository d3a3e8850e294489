"""A stand-in for a Closeloop service: answers /readyz, used to test the orchestrator.

Usage: python devstack_fake_service.py NAME  (port from CLOSELOOP_<NAME>_PORT).
Set FAKE_SERVICE_FAIL=<name> to make that service exit at once with an error.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import FrameType
from typing import Any


def main(name: str) -> int:
    """Serve /readyz with the environment the orchestrator gave us."""
    if os.environ.get("FAKE_SERVICE_FAIL") == name:
        print(f"{name}: configured to fail", flush=True)
        return 3
    port = int(os.environ[f"CLOSELOOP_{name.upper()}_PORT"])
    seen = {key: value for key, value in os.environ.items() if key.startswith("CLOSELOOP_")}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """No per-request lines."""

        def do_GET(self) -> None:
            body = json.dumps({"service": name, "env": seen}).encode()
            self.send_response(200 if self.path in ("/readyz", "/healthz", "/env") else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", port), Handler)

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        print(f"{name}: SIGTERM, shutting down", flush=True)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    print(f"{name}: listening on {port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
