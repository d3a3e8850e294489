"""The feedback HTTP API: public survey pages, staff survey and communication endpoints,
and reports."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_feedback.entrypoints.api import (
    communications,
    public_surveys,
    reports,
    sms_receipts,
    staff_notifications,
    staff_surveys,
)

# Staff routes first: /v1/surveys/{id}/phone-answer must not be taken for a token page.
ROUTERS: list[APIRouter] = [
    staff_surveys.router,
    communications.router,
    staff_notifications.router,
    sms_receipts.router,
    public_surveys.router,
    reports.router,
]
