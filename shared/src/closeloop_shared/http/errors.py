"""Error responses: every 4xx names what is wrong; a 5xx never carries a stack trace.

Body shape: ``{"error": "<code>", "message": "...", "fields": [{"field": "customer.phone",
"problem": "..."}]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or []
        self.headers = headers
        self.extra = extra


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic errors as ``[{"field": "a.b", "problem": "..."}]``, input values omitted
    because they may be personal data."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            out.append({"field": "body", "problem": f"malformed JSON: {err.get('msg')}"})
            continue
        out.append({"field": _field_path(loc), "problem": str(err.get("msg", "invalid"))})
    return out


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every failure its documented JSON shape."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        body = error_body(exc.code, exc.message, **exc.extra)
        if exc.fields:
            body["fields"] = exc.fields
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        malformed = any(f["field"] == "body" and "malformed" in f["problem"] for f in fields)
        code, status = ("malformed_json", 400) if malformed else ("validation_failed", 422)
        names = ", ".join(f["field"] for f in fields)
        return JSONResponse(
            error_body(code, f"invalid request: {names}", fields=fields), status_code=status
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            413: "too_large",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "internal error; the request was not applied"),
            status_code=500,
        )
