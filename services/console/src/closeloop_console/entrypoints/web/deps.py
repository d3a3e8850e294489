"""Shared helpers of the page modules."""

from __future__ import annotations

from fastapi import Request

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
