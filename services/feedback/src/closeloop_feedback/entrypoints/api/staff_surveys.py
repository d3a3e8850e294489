"""Staff endpoints for surveys: read a complaint's surveys, and record an answer an agent
took on the phone (the callback path of R6)."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_feedback.container import Feedback
from closeloop_feedback.domain.survey import SurveyAnswer
from closeloop_feedback.entrypoints.api.public_surveys import REFUSALS
from closeloop_feedback.entrypoints.api.schemas import (
    SurveyAnswerRead,
    SurveyPhoneAnswerCreate,
    SurveyRead,
)
from closeloop_feedback.entrypoints.deps import CallerDep, FeedbackDep, ReaderDep
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_feedback.service_layer.surveys import COMMENT_CONTEXT, SurveyRefused
from closeloop_shared.auth import Principal
from closeloop_shared.http.errors import ApiError
from closeloop_shared.mongo import Document

router = APIRouter(tags=["surveys"])


def survey_read(doc: Document, feedback: Feedback, principal: Principal) -> SurveyRead:
    """A stored survey as an API body; the comment is opened only for ``pii:read``."""
    answer = doc.get("answer")
    answer_read = None
    if answer:
        sealed = answer.get("comment_sealed")
        comment = None
        if sealed and principal.can_read_pii:
            comment = str(feedback.sealer.open(sealed, context=COMMENT_CONTEXT))
        answer_read = SurveyAnswerRead(
            score=answer["score"],
            solved=answer["solved"],
            via=answer.get("via", "web"),
            by=answer.get("by"),
            comment=comment,
        )
    fields = {k: doc.get(k) for k in SurveyRead.model_fields if k not in ("id", "answer")}
    return SurveyRead(id=doc["_id"], answer=answer_read, **fields)


async def ensure_visible(feedback: Feedback, principal: Principal, complaint_id: str) -> None:
    """Department users see only their own departments' complaints (else 404, not 403:
    they may not learn that it exists)."""
    record = await feedback.records.get(complaint_id)
    if not principal.may_see_department(record.department if record else None):
        raise ApiError(404, "not_found", "no such complaint")


@router.get("/v1/complaints/{complaint_id}/surveys", summary="The complaint's surveys")
async def complaint_surveys(
    complaint_id: str, feedback: FeedbackDep, principal: ReaderDep
) -> list[SurveyRead]:
    await ensure_visible(feedback, principal, complaint_id)
    docs = await feedback.survey_store.for_complaint(complaint_id)
    return [survey_read(doc, feedback, principal) for doc in docs]


@router.post(
    "/v1/surveys/{survey_id}/phone-answer",
    summary="Record the answer a customer gave an agent on the phone",
    responses={404: {}, 409: {"description": "already answered"}, 410: {"description": "expired"}},
)
async def phone_answer(
    survey_id: str, body: SurveyPhoneAnswerCreate, feedback: FeedbackDep, principal: CallerDep
) -> SurveyRead:
    answer = SurveyAnswer(body.score, body.solved, body.comment.strip())
    try:
        doc = await feedback.surveys.answer(
            survey_id, answer, via="phone", by=principal.sub, now=utc_now()
        )
    except SurveyRefused as exc:
        status, code, message = REFUSALS[exc.problem]
        raise ApiError(status, code, message) from None
    return survey_read(doc, feedback, principal)
