"""ASGI middleware: a request body size limit (413 before the body is parsed) and RED
metrics per route template."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from closeloop_shared.observability.metrics import HTTP_DURATION, HTTP_REQUESTS


async def _reply(send: Send, status: int, body: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already-read ``body`` once, then defers to ``receive``
    (for the disconnect message)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, streaming or not."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_large = {
            "error": "too_large",
            "message": f"request body exceeds {self.max_bytes} bytes",
        }
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await _reply(send, 413, too_large)
            return
        if declared and declared.isdigit():
            await self.app(scope, receive, send)  # within the limit: stream as declared
            return
        # No (valid) Content-Length: chunked. Read it here, bounded, so an oversized body is a
        # 413 before any handler parses it (a handler would turn the error into a 400).
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reply(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(chunks), receive), send)


class RequestMetrics:
    """Count and time requests by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def _route(scope: Scope) -> str:
        # The router records the matched route in the (shared) scope; read it afterwards so
        # the label is the template, never the concrete path with its ids.
        route = scope.get("route")
        return str(getattr(route, "path_format", None) or getattr(route, "path", "unmatched"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route, method = self._route(scope), scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
