"""The public survey endpoints: the customer's form (GET) and answer (POST). No login:
the signed, expiring, single-use token in the path is the permission. Browsers post the
form (form-encoded, answered in HTML); programs may post JSON (answered in JSON)."""

from __future__ import annotations

import time
from json import JSONDecodeError
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from closeloop_feedback.domain.notices import Language, normalize_language
from closeloop_feedback.domain.survey import MAX_COMMENT_CHARS, AnswerInvalid, parse_answer
from closeloop_feedback.domain.tokens import SurveyToken, TokenRejected, verify_token
from closeloop_feedback.entrypoints.deps import FeedbackDep
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_feedback.service_layer.surveys import SurveyRefused
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["surveys"])

# HTTP status and error code of every refusal, and the English message for JSON callers.
REFUSALS: dict[str, tuple[int, str, str]] = {
    "malformed": (400, "invalid_token", "the survey link is malformed"),
    "forged": (403, "invalid_token", "the survey link is not valid (bad signature)"),
    "expired": (410, "expired", "the survey link has expired"),
    "answered": (409, "already_answered", "this survey was already answered; links are single-use"),
    "cancelled": (410, "cancelled", "this survey no longer applies: the complaint was reopened"),
    "unknown": (404, "not_found", "no such survey"),
}


class SurveyAnswerIn(BaseModel):
    """The JSON answer (documentation: the handler parses the body itself, as it also takes
    the form the page posts, and refuses each bad field by name)."""

    score: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy)")
    solved: bool
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)
    lang: str | None = Field(default=None, max_length=10, description="zh-CN or en")


def _wants_html(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _refusal(problem: str, lang: Language, html: bool, pages: Any) -> Response:
    status, code, message = REFUSALS[problem]
    if html:
        return HTMLResponse(pages.problem(lang, problem), status_code=status)
    raise ApiError(status, code, message)


async def _survey_for(feedback: FeedbackDep, token: str) -> tuple[SurveyToken, dict[str, Any]]:
    """Verify the token and load its survey; raise :class:`SurveyRefused` otherwise."""
    now = utc_now()
    try:
        grant = verify_token(token, feedback.settings.survey_secret, now=now)
    except TokenRejected as exc:
        raise SurveyRefused(exc.problem.value) from None
    doc = await feedback.survey_store.get(grant.survey_id)
    if doc is None:
        raise SurveyRefused("unknown")
    if doc["status"] not in ("sent", "reminded"):
        raise SurveyRefused(doc["status"] if doc["status"] != "scheduled" else "unknown")
    return grant, doc


@router.get(
    "/v1/surveys/{token}",
    response_class=HTMLResponse,
    summary="The satisfaction survey form (HTML, zh-CN or en; works without JavaScript)",
)
async def survey_form(token: str, feedback: FeedbackDep, lang: str | None = None) -> Response:
    try:
        grant, doc = await _survey_for(feedback, token)
    except SurveyRefused as exc:
        chosen = await _language_of(feedback, token, lang or "")
        return _refusal(exc.problem, chosen, True, feedback.pages)
    chosen = normalize_language(lang or doc.get("language"))
    html = feedback.pages.form(
        chosen, token=token, reference=doc["complaint_id"], expires_at=grant.expires_at
    )
    return HTMLResponse(html)


async def _read_body(request: Request, html: bool) -> dict[str, Any]:
    if html:
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = await request.json()
    except (JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(422, "validation_failed", "the body must be a JSON object")
    return body


async def _language_of(feedback: FeedbackDep, token: str, asked: str) -> Language:
    """The language to refuse in: the one asked for, else the survey's (if the link names
    a survey at all), else Chinese."""
    if asked:
        return normalize_language(asked)
    survey_id = token.split(".", 1)[0]
    doc = await feedback.survey_store.get(survey_id) if len(survey_id) == 32 else None
    return normalize_language(doc.get("language") if doc else None)


def _rate_limited(token: str, feedback: FeedbackDep) -> int:
    # Per survey link, never per client address: behind an ingress every customer would
    # share one address. Keyed by survey id and expiry (the token's first 64 characters),
    # so guessing signatures for one survey is limited too.
    return feedback.token_limiter.check(token[:64], time.monotonic())


@router.post(
    "/v1/surveys/{token}",
    summary="Answer a survey (form-encoded from the page, or JSON); single use",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SurveyAnswerIn.model_json_schema()}},
        }
    },
    responses={
        400: {"description": "malformed link or body"},
        403: {"description": "forged link"},
        409: {"description": "already answered"},
        410: {"description": "expired (or no longer applies)"},
        422: {"description": "invalid answer; each bad field named"},
        429: {"description": "rate limited; see Retry-After"},
    },
)
async def answer_survey(token: str, request: Request, feedback: FeedbackDep) -> Response:
    html = _wants_html(request)
    wait = _rate_limited(token, feedback)
    body = await _read_body(request, html)
    asked = str(body.get("lang") or "")
    lang = normalize_language(asked or None)
    if wait:
        headers = {"Retry-After": str(wait)}
        if html:
            page = feedback.pages.problem(lang, "rate_limited")
            return HTMLResponse(page, status_code=429, headers=headers)
        raise ApiError(429, "rate_limited", "too many attempts; retry later", headers=headers)
    try:
        grant, survey = await _survey_for(feedback, token)
    except SurveyRefused as exc:
        return _refusal(
            exc.problem, await _language_of(feedback, token, asked), html, feedback.pages
        )
    lang = normalize_language(asked or survey.get("language"))
    try:
        answer = parse_answer(body.get("score"), body.get("solved"), body.get("comment"))
    except AnswerInvalid as exc:
        if not html:
            fields = [{"field": f, "problem": p} for f, p in exc.problems.items()]
            raise ApiError(422, "validation_failed", str(exc), fields=fields) from None
        values = {k: str(body.get(k) or "") for k in ("score", "solved", "comment")}
        page = feedback.pages.form(
            lang,
            token=token,
            reference=survey["complaint_id"],
            expires_at=grant.expires_at,
            errors=exc.problems,
            values=values,
        )
        return HTMLResponse(page, status_code=422)
    try:
        doc = await feedback.surveys.answer(
            grant.survey_id, answer, via="web", by=None, now=utc_now()
        )
    except SurveyRefused as exc:
        return _refusal(exc.problem, lang, html, feedback.pages)
    unhappy = bool(doc.get("dissatisfied"))
    if html:
        return HTMLResponse(feedback.pages.thanks(lang, unhappy=unhappy))
    return JSONResponse({"survey_id": doc["_id"], "status": doc["status"], "dissatisfied": unhappy})
