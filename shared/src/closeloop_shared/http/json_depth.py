"""ASGI middleware: refuse JSON bodies nested deeper than a limit, before anything parses them.

Python's JSON parser recurses once per level; a body nested a thousand deep (a few kilobytes)
ends in a RecursionError, a 500, in whatever handler parses it. The depth is measured here
on the raw bytes, in one pass, so no handler ever sees such a body.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from closeloop_shared.http.middleware import _reply, replaying

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # strings may hold brackets
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` (JSON, valid or not) opens more than ``limit`` nested arrays or
    objects at any point. Invalid JSON is left for the parser to refuse."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _is_json(scope: Scope) -> bool:
    headers: dict[bytes, bytes] = dict(scope.get("headers", []))
    content_type = headers.get(b"content-type", b"").lower()
    media = content_type.split(b";", 1)[0].strip()
    return media == b"application/json" or media.endswith(b"+json")


class JsonDepthLimit:
    """400 ``too_deep`` for a JSON request body nested deeper than ``max_depth``.

    Sits inside :class:`BodyLimit`, so the body it buffers is already bounded in size.
    """

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app, self.max_depth = app, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth_exceeds(body, self.max_depth):
            problem = f"the JSON body nests deeper than {self.max_depth} levels"
            await _reply(send, 400, {"error": "too_deep", "message": problem})
            return
        await self.app(scope, replaying(body, receive), send)
