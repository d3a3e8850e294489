"""Turning the service layer's exceptions into the contract's problem-details responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from closeloop_intake.domain.errors import FieldError, InvalidInput
from closeloop_intake.domain.lifecycle import ActionForbidden, TransitionRefused
from closeloop_intake.service.actions import ComplaintNotFound, VersionConflict
from closeloop_intake.service.registration import IdempotencyConflict
from closeloop_shared.http.errors import problem_response


def _fields(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"field": e.field, "problem": e.reason} for e in errors]


def install_intake_error_handlers(app: FastAPI) -> None:
    """Register one handler per domain/service exception."""

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        fields = _fields(exc.errors)
        message = "invalid request: " + ", ".join(f["field"] for f in fields)
        return problem_response(request, 422, "validation_failed", message, fields=fields)

    @app.exception_handler(FieldError)
    async def field_error(request: Request, exc: FieldError) -> JSONResponse:
        message = f"invalid request: {exc.field}"
        return problem_response(request, 422, "validation_failed", message, fields=_fields([exc]))

    @app.exception_handler(TransitionRefused)
    async def refused(request: Request, exc: TransitionRefused) -> JSONResponse:
        return problem_response(
            request,
            409,
            "transition_refused",
            str(exc),
            state=str(exc.state),
            allowed_actions=exc.allowed,
        )

    @app.exception_handler(ActionForbidden)
    async def forbidden(request: Request, exc: ActionForbidden) -> JSONResponse:
        return problem_response(request, 403, "forbidden", str(exc))

    @app.exception_handler(VersionConflict)
    async def version_conflict(request: Request, exc: VersionConflict) -> JSONResponse:
        message = f"the complaint changed; it is now at version {exc.current_version}"
        return problem_response(
            request,
            409,
            "version_conflict",
            message,
            headers={"ETag": f'"{exc.current_version}"'},
            current_version=exc.current_version,
        )

    @app.exception_handler(ComplaintNotFound)
    async def not_found(request: Request, exc: ComplaintNotFound) -> JSONResponse:
        return problem_response(request, 404, "not_found", f"no complaint {exc.args[0]}")

    @app.exception_handler(IdempotencyConflict)
    async def idempotency_conflict(request: Request, exc: IdempotencyConflict) -> JSONResponse:
        problem = "differs from the request first sent with this Idempotency-Key"
        fields = [{"field": f, "problem": problem} for f in exc.fields]
        return problem_response(
            request,
            409,
            "idempotency_conflict",
            str(exc),
            fields=fields,
            complaint_id=exc.complaint_id,
        )
