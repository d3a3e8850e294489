"""Error responses as RFC 9457 problem details: every 4xx names what is wrong; a 5xx never
carries a stack trace.

Every error of every service is ``application/problem+json``::

    {"type": "urn:closeloop:problem:validation_failed", "title": "Validation failed",
     "status": 422, "detail": "invalid request: customer.phone",
     "instance": "/v1/complaints",
     "error": "validation_failed", "message": "invalid request: customer.phone",
     "fields": [{"field": "customer.phone", "problem": "..."}]}

``type`` is one URI per stable error code and ``title`` is fixed per type; ``detail`` says
what went wrong this time and ``instance`` is the request path, percent-encoded (never the
query string, which may carry personal data). ``error``, ``message`` and ``fields`` are
the pre-RFC body kept as extension members, so clients written against it keep working;
some errors add more (``allowed_actions``, ``current_version``...).

Why an own module and not the ``fastapi-problem`` package: the body must keep the existing
codes and extension members, which means mapping our ``ApiError`` and intake's domain
exceptions onto that package's exception hierarchy anyway; the ``BodyLimit`` middleware
answers 413 before any exception handler runs, so the body builder is needed outside the
handlers too; and the package is pre-1.0 with its API and field names changing between
minor releases. What it would save is the few dozen lines below.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:closeloop:problem:"


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


def instance_of(path: str) -> str:
    """The request path as a URI reference: the router hands it over percent-decoded, and a
    raw non-ASCII or control character is not valid in ``instance``."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def problem_body(
    status: int,
    code: str,
    message: str,
    *,
    instance: str,
    fields: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem details document for one error (RFC 9457 members win over extras)."""
    body: dict[str, Any] = {"error": code, "message": message, **extra}
    if fields:
        body["fields"] = fields
    body.update(
        type=PROBLEM_TYPE_PREFIX + code,
        title=code.replace("_", " ").capitalize(),
        status=status,
        detail=message,
        instance=instance_of(instance),
    )
    return body


def problem_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    fields: list[dict[str, str]] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A ``application/problem+json`` response for an error raised while serving
    ``request``."""
    body = problem_body(status, code, message, instance=request.url.path, fields=fields, **extra)
    return JSONResponse(body, status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every failure its documented problem shape."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            exc.code,
            exc.message,
            headers=exc.headers,
            fields=exc.fields,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        malformed = any(f["field"] == "body" and "malformed" in f["problem"] for f in fields)
        code, status = ("malformed_json", 400) if malformed else ("validation_failed", 422)
        names = ", ".join(f["field"] for f in fields)
        return problem_response(request, status, code, f"invalid request: {names}", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        headers = getattr(exc, "headers", None)
        return problem_response(request, exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        message = "internal error; the request was not applied"
        return problem_response(request, 500, "internal_error", message)
