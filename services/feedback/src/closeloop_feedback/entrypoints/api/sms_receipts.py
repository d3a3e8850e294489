"""Delivery receipts of the SMS provider: ``POST /v1/sms/receipts``, signed by the
provider with the shared key (no bearer token: the signature is the permission)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import ValidationError

from closeloop_feedback.adapters.sms_webhook import receipt_signed
from closeloop_feedback.entrypoints.api.schemas import SmsReceipt, SmsReceiptRead
from closeloop_feedback.entrypoints.deps import FeedbackDep
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_shared.http.errors import ApiError, validation_fields

router = APIRouter(tags=["communications"])


@router.post(
    "/v1/sms/receipts",
    summary="A delivery receipt of the SMS provider",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SmsReceipt.model_json_schema()}},
        }
    },
    responses={
        401: {"description": "missing or wrong X-Closeloop-Signature"},
        404: {"description": "no notification with this reference"},
        422: {},
    },
)
async def sms_receipt(
    request: Request,
    feedback: FeedbackDep,
    signature: Annotated[
        str,
        Header(
            alias="X-Closeloop-Signature",
            description="sha256=<hex HMAC-SHA256 of the raw body under the provider key>",
        ),
    ] = "",
) -> SmsReceiptRead:
    """Records the receipt on the notification (``delivery_status``); the same receipt
    twice is recorded once."""
    body = await request.body()
    if not receipt_signed(feedback.settings.sms_provider_key, body, signature):
        raise ApiError(401, "unauthenticated", "the receipt's signature does not verify")
    try:
        receipt = SmsReceipt.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(
            422, "validation_failed", "invalid receipt", fields=validation_fields(exc.errors())
        ) from None
    if not await feedback.notifications.receipt(
        receipt.reference, status=receipt.status, at=utc_now(), error=receipt.error
    ):
        raise ApiError(404, "not_found", f"no notification '{receipt.reference}'")
    return SmsReceiptRead(reference=receipt.reference, delivery_status=receipt.status)
