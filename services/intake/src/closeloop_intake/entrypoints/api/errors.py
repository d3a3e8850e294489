"""Turning the service layer's exceptions into the contract's error responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from closeloop_intake.domain.errors import FieldError, InvalidInput
from closeloop_intake.domain.lifecycle import ActionForbidden, TransitionRefused
from closeloop_intake.service.actions import ComplaintNotFound, VersionConflict
from closeloop_intake.service.registration import IdempotencyConflict
from closeloop_shared.http.errors import error_body


def _fields(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"field": e.field, "problem": e.reason} for e in errors]


def install_intake_error_handlers(app: FastAPI) -> None:
    """Register one handler per domain/service exception."""

    @app.exception_handler(InvalidInput)
    async def invalid_input(_: Request, exc: InvalidInput) -> JSONResponse:
        fields = _fields(exc.errors)
        message = "invalid request: " + ", ".join(f["field"] for f in fields)
        return JSONResponse(error_body("validation_failed", message, fields=fields), 422)

    @app.exception_handler(FieldError)
    async def field_error(_: Request, exc: FieldError) -> JSONResponse:
        body = error_body(
            "validation_failed", f"invalid request: {exc.field}", fields=_fields([exc])
        )
        return JSONResponse(body, 422)

    @app.exception_handler(TransitionRefused)
    async def refused(_: Request, exc: TransitionRefused) -> JSONResponse:
        body = error_body(
            "transition_refused", str(exc), state=str(exc.state), allowed_actions=exc.allowed
        )
        return JSONResponse(body, 409)

    @app.exception_handler(ActionForbidden)
    async def forbidden(_: Request, exc: ActionForbidden) -> JSONResponse:
        return JSONResponse(error_body("forbidden", str(exc)), 403)

    @app.exception_handler(VersionConflict)
    async def version_conflict(_: Request, exc: VersionConflict) -> JSONResponse:
        message = f"the complaint changed; it is now at version {exc.current_version}"
        body = error_body("version_conflict", message, current_version=exc.current_version)
        return JSONResponse(body, 409, headers={"ETag": f'"{exc.current_version}"'})

    @app.exception_handler(ComplaintNotFound)
    async def not_found(_: Request, exc: ComplaintNotFound) -> JSONResponse:
        return JSONResponse(error_body("not_found", f"no complaint {exc.args[0]}"), 404)

    @app.exception_handler(IdempotencyConflict)
    async def idempotency_conflict(_: Request, exc: IdempotencyConflict) -> JSONResponse:
        problem = "differs from the request first sent with this Idempotency-Key"
        fields = [{"field": f, "problem": problem} for f in exc.fields]
        body = error_body(
            "idempotency_conflict", str(exc), complaint_id=exc.complaint_id, fields=fields
        )
        return JSONResponse(body, 409)
