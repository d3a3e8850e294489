"""Shared helpers of the page modules."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from closeloop_console.adapters.upstream import Answer, Upstreams
from closeloop_console.metrics import UPSTREAM_ERRORS


def upstreams(request: Request) -> Upstreams:
    client: Upstreams = request.app.state.upstreams
    return client


def items_of(answer: Answer) -> list[dict[str, object]]:
    """Rows of a list answer, whether the service sends ``{"items": [...]}`` or a list."""
    body = answer.body
    if isinstance(body, dict):
        body = body.get("items", [])
    return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []


def note_failure(service: str, answer: Answer) -> None:
    if not answer.ok:
        UPSTREAM_ERRORS.labels(service, f"{answer.status // 100}xx").inc()


def event_stream(
    request: Request,
    subscription: AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]],
    event_name: Callable[[dict[str, Any]], str],
) -> StreamingResponse:
    """Server-sent events: each message of the subscription's queue until the browser
    leaves, a comment every 15 s so proxies keep the connection open."""

    async def stream() -> AsyncIterator[str]:
        async with subscription as queue:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {event_name(message)}\ndata: {json.dumps(message)}\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )
