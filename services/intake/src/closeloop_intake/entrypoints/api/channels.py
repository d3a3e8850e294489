"""``POST /v1/channels/webhook/{source}``: complaints pushed by third-party platforms.

Platforms sign the raw body with their shared secret: ``X-Closeloop-Signature:
sha256=<hex of HMAC-SHA256(secret, body)>``. The signature replaces the bearer token, as
platforms cannot obtain one; ``external_id`` (or ``Idempotency-Key``) makes a redelivery
return the complaint first registered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Request, Response, status
from pydantic import ValidationError

from closeloop_intake.entrypoints.deps import ADMITTED, Context, IdempotencyKey, Settings
from closeloop_intake.entrypoints.schemas import WebhookComplaint
from closeloop_intake.service.registration import register_complaint
from closeloop_shared.http.errors import ApiError, validation_fields

router = APIRouter(prefix="/v1/channels", tags=["channels"])
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign(secret: str, body: bytes) -> str:
    """The ``X-Closeloop-Signature`` value for ``body`` (used by platforms and tests)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _verify(secret: str | None, body: bytes, signature: str | None) -> None:
    if secret is None:
        raise ApiError(404, "unknown_source", "no webhook is configured for this source")
    match = SIGNATURE.fullmatch((signature or "").strip())
    if match is None:
        raise ApiError(401, "unauthenticated", "missing X-Closeloop-Signature: sha256=<hex>")
    expected = sign(secret, body).removeprefix("sha256=")
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise ApiError(401, "unauthenticated", "X-Closeloop-Signature does not match the body")


@router.post(
    "/webhook/{source}",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a complaint from a third-party platform",
    responses={401: {"description": "X-Closeloop-Signature missing or not matching the body"}},
    dependencies=[ADMITTED],
)
async def receive_webhook(
    request: Request,
    ctx: Context,
    settings: Settings,
    response: Response,
    idempotency_key: IdempotencyKey,
    source: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")],
    x_closeloop_signature: Annotated[str | None, Header()] = None,
) -> dict[str, object]:
    """Verify the signature, then register the complaint (channel ``third_party`` unless
    the body says ``social`` or ``wechat``...). Returns the complaint id and status."""
    raw = await request.body()
    _verify(settings.webhook_secret(source), raw, x_closeloop_signature)
    try:
        body = WebhookComplaint.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        problem = {"field": "body", "problem": f"malformed JSON: {exc}"}
        raise ApiError(400, "malformed_json", "body is not JSON", fields=[problem]) from None
    except ValidationError as exc:
        fields = validation_fields(list(exc.errors()))
        message = "invalid request: " + ", ".join(f["field"] for f in fields)
        raise ApiError(422, "validation_failed", message, fields=fields) from None
    key = idempotency_key or body.external_id
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
