"""``POST /v1/channels/webhook/{source}``: complaints pushed by third-party platforms.

Platforms sign the timestamp and the raw body with their shared secret:
``X-Closeloop-Timestamp: <unix seconds>`` and ``X-Closeloop-Signature: sha256=<hex of
HMAC-SHA256(secret, "<timestamp>.<body>")>`` (see ``domain.webhook_signature``). The signature
replaces the bearer token, as platforms cannot obtain one. A timestamp more than the window
(5 minutes) from now, or a signature already used, is refused: a captured request cannot be
replayed. ``external_id`` makes a redelivery (signed anew) return the complaint first
registered, whatever its ``Idempotency-Key``; without ``external_id`` the key does.
"""

from __future__ import annotations

import time
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Request, Response, status
from pydantic import ValidationError

from closeloop_intake.adapters.seen_signatures import SeenSignatures
from closeloop_intake.domain.webhook_signature import SignatureRefused, verify_signature
from closeloop_intake.entrypoints.deps import ADMITTED, Context, IdempotencyKey, Settings
from closeloop_intake.entrypoints.schemas import WebhookComplaint
from closeloop_intake.service.announcements import utc_now
from closeloop_intake.service.registration import register_complaint
from closeloop_shared.http.errors import ApiError, validation_fields

router = APIRouter(prefix="/v1/channels", tags=["channels"])


async def _verify(
    request: Request,
    settings: Settings,
    source: str,
    body: bytes,
    headers: tuple[str | None, str | None],
) -> None:
    """Authenticate the request, once: 404 unknown source, 401 bad or stale, 409 replay."""
    secret = settings.webhook_secret(source)
    if secret is None:
        raise ApiError(404, "unknown_source", "no webhook is configured for this source")
    signature, timestamp = headers
    try:
        seen = verify_signature(
            secret,
            body,
            signature=signature,
            timestamp=timestamp,
            now=time.time(),
            window_s=settings.webhook_window_s,
        )
    except SignatureRefused as refused:
        extra = {"WWW-Authenticate": "Signature"} if refused.status == 401 else None
        raise ApiError(refused.status, refused.code, refused.message, headers=extra) from None
    signatures: SeenSignatures = request.app.state.seen_signatures
    if not await signatures.first_time(source, seen, utc_now()):
        raise ApiError(
            409,
            "replayed",
            "this signature was already used; sign every delivery anew "
            "(a redelivery with the same external_id returns the first complaint)",
        )


@router.post(
    "/webhook/{source}",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a complaint from a third-party platform",
    dependencies=[ADMITTED],
    # The handler reads the raw body (the signature covers its bytes), so FastAPI cannot
    # infer it: the body is a complaint as for POST /v1/complaints, plus `external_id`.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ComplaintCreate"}}
            },
        }
    },
    responses={
        401: {"description": "signature missing, wrong, or its timestamp outside the window"},
        404: {"description": "no webhook is configured for this source"},
        409: {"description": "replayed: this signature was already used"},
    },
)
async def receive_webhook(
    request: Request,
    ctx: Context,
    settings: Settings,
    response: Response,
    idempotency_key: IdempotencyKey,
    source: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")],
    x_closeloop_signature: Annotated[str | None, Header()] = None,
    x_closeloop_timestamp: Annotated[str | None, Header()] = None,
) -> dict[str, object]:
    """Verify the signature, then register the complaint (channel ``third_party`` unless
    the body says ``social`` or ``wechat``...). Returns the complaint id and status."""
    raw = await request.body()
    await _verify(request, settings, source, raw, (x_closeloop_signature, x_closeloop_timestamp))
    try:
        body = WebhookComplaint.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        problem = {"field": "body", "problem": f"malformed JSON: {exc}"}
        raise ApiError(400, "malformed_json", "body is not JSON", fields=[problem]) from None
    except ValidationError as exc:
        fields = validation_fields(list(exc.errors()))
        message = "invalid request: " + ", ".join(f["field"] for f in fields)
        raise ApiError(422, "validation_failed", message, fields=fields) from None
    # The platform's own id is signed; the Idempotency-Key header is not.
    key = body.external_id or idempotency_key
    form = body.model_copy(update={"received_by": body.received_by or f"webhook:{source}"})
    registered = await register_complaint(
        ctx=ctx,
        form=form.to_form(),
        actor=f"webhook:{source}",
        idempotency_key=key,
    )
    doc = registered.complaint
    response.headers["Location"] = f"/v1/complaints/{doc['_id']}"
    if not registered.created:
        response.headers["Idempotent-Replayed"] = "true"
    return {"id": doc["_id"], "status": doc["status"], "version": doc["version"]}
