"""``POST``/``GET /v1/reports/improvements``: the improvement actions supervisors record
for the service reports."""

from __future__ import annotations

from datetime import date as Date  # noqa: N812 - "date" is also a field name
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from closeloop_feedback.domain.insights.improvements import ImprovementAction, ImprovementStatus
from closeloop_feedback.insights.api.deps import EditorDep, RuntimeDep, SettingsDep, utc_now
from closeloop_feedback.insights.improvement_store import ImprovementStore
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["reports"])


class ImprovementCreate(BaseModel):
    """An improvement action; it appears in the service report of ``effective_on``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    effective_on: Date | None = None
    status: ImprovementStatus = ImprovementStatus.done
    category: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)


class ImprovementRead(BaseModel):
    id: str
    title: str
    description: str
    effective_on: Date
    status: ImprovementStatus
    category: str | None
    department: str | None
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, action: ImprovementAction) -> ImprovementRead:
        return cls(
            id=action.action_id,
            title=action.title,
            description=action.description,
            effective_on=action.effective_on,
            status=action.status,
            category=action.category,
            department=action.department,
            recorded_at=action.recorded_at,
            recorded_by=action.recorded_by,
        )


@router.post(
    "/v1/reports/improvements",
    status_code=201,
    summary="Record an improvement action (supervisor, admin)",
)
async def record_improvement(
    body: ImprovementCreate, runtime: RuntimeDep, settings: SettingsDep, principal: EditorDep
) -> ImprovementRead:
    now = utc_now()
    action = await ImprovementStore(runtime.db).add(
        title=body.title,
        description=body.description,
        effective_on=body.effective_on or now.astimezone(settings.report_zone).date(),
        status=body.status,
        recorded_at=now,
        recorded_by=principal.sub,
        category=body.category,
        department=body.department,
    )
    return ImprovementRead.of(action)


@router.get(
    "/v1/reports/improvements",
    summary="Improvement actions effective in [from, to) (supervisor, admin)",
)
async def list_improvements(
    runtime: RuntimeDep,
    _: EditorDep,
    from_: Annotated[Date | None, Query(alias="from")] = None,
    to: Date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ImprovementRead]:
    if from_ and to and from_ >= to:
        raise ApiError(
            422,
            "validation_failed",
            "invalid request: from",
            fields=[{"field": "from", "problem": "must be before to"}],
        )
    actions = await ImprovementStore(runtime.db).between(from_, to, limit=limit)
    return [ImprovementRead.of(a) for a in actions]
