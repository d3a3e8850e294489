"""503 with ``Retry-After`` when the database is unavailable, and an honest message.

Two paths, both through :class:`ApiError`'s handler (the one error format):

* while the server is known to be down (:class:`~closeloop_shared.database_state.DatabaseState`
  on ``app.state.database_state``) a request is refused before it starts: it was not
  applied;
* a request under way when the server goes down is answered (and cancelled) at that moment,
  and one whose database operation fails (``ConnectionFailure``, including a
  server-selection timeout) likewise: it may have been applied in part, so a write is
  answered "may or may not have been applied", to be retried with the same
  ``Idempotency-Key``.

Operations routes (health, readiness, metrics) are never refused: they report the outage.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request, Response
from pymongo.errors import ConnectionFailure
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from closeloop_shared.database_state import DatabaseState
from closeloop_shared.http.errors import ApiError
from closeloop_shared.http.openapi import declare_app_errors

OPERATIONS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseUnavailable(ApiError):
    """HTTP 503 ``database_unavailable`` with a ``Retry-After``."""

    def __init__(self, *, retry_after_s: int, maybe_applied: bool) -> None:
        if maybe_applied:
            message = (
                "the database is unavailable; the request may or may not have been applied"
                " — retry with the same Idempotency-Key"
            )
        else:
            message = "the database is unavailable; the request was not applied — retry later"
        super().__init__(
            503,
            "database_unavailable",
            message,
            headers={"Retry-After": str(retry_after_s)},
        )


class DatabaseGuard:
    """ASGI middleware: refuses requests while the database is known to be down, and
    answers (and cancels) a request under way at the moment it goes down."""

    def __init__(self, app: ASGIApp, *, retry_after_s: int) -> None:
        self.app, self.retry_after_s = app, retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state: DatabaseState | None = None
        if scope["type"] == "http" and scope["path"] not in OPERATIONS_PATHS:
            state = getattr(scope["app"].state, "database_state", None)
        if state is None:
            await self.app(scope, receive, send)
            return
        if state.down:
            await self._refuse(scope, receive, send, maybe_applied=False)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        # A request waiting on the database when it goes down would wait out the
        # server-selection timeout: answer it at that moment instead.
        handled = asyncio.ensure_future(self.app(scope, receive, tracking_send))
        went_down = asyncio.ensure_future(state.went_down())
        cut = False
        try:
            await asyncio.wait({handled, went_down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            went_down.cancel()
            if not handled.done() and not started:
                cut = handled.cancel()
        if not cut:
            await handled  # finished, or too late to replace what it began to send
            return
        await asyncio.gather(handled, return_exceptions=True)
        if started:  # it began its own answer before the cancellation reached it
            return
        maybe_applied = scope["method"] not in SAFE_METHODS
        await self._refuse(scope, receive, send, maybe_applied=maybe_applied)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, *, maybe_applied: bool
    ) -> None:
        request = Request(scope, receive)
        error = DatabaseUnavailable(retry_after_s=self.retry_after_s, maybe_applied=maybe_applied)
        response = await _as_api_error(request, error)
        await response(scope, receive, send)


async def _as_api_error(request: Request, error: DatabaseUnavailable) -> Response:
    """The response ApiError's registered handler gives (the one error format)."""
    handler = request.app.exception_handlers[ApiError]
    response: Response = await handler(request, error)
    return response


def install_database_guard(app: FastAPI, *, retry_after_s: int) -> None:
    """Refuse requests at once while the database is known to be down, and answer a
    database failure during a request with 503 instead of 500."""
    app.add_middleware(DatabaseGuard, retry_after_s=retry_after_s)
    declare_app_errors(
        app,
        {503: "the database is unavailable; see Retry-After"},
        except_paths=OPERATIONS_PATHS,
    )

    async def database_failed(request: Request, _: Exception) -> Response:
        maybe_applied = request.method not in SAFE_METHODS
        error = DatabaseUnavailable(retry_after_s=retry_after_s, maybe_applied=maybe_applied)
        return await _as_api_error(request, error)

    app.add_exception_handler(ConnectionFailure, database_failed)
