"""Dependencies of the insights routes. They read the service runtime the feedback
bootstrap keeps on ``app.state.runtime`` (its database, producer and settings)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from closeloop_feedback.insights.daily_job import insights_settings
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.auth import Principal, Role, require_roles
from closeloop_shared.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_settings(runtime: Annotated[ServiceRuntime, Depends(get_runtime)]) -> InsightsSettings:
    return insights_settings(runtime)


def utc_now() -> datetime:
    return datetime.now(UTC)


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
SettingsDep = Annotated[InsightsSettings, Depends(get_settings)]
ReportReaderDep = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.department, Role.admin, Role.auditor)),
]
EditorDep = Annotated[Principal, Depends(require_roles(Role.supervisor, Role.admin))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
PublisherDep = Annotated[
    Principal, Depends(require_roles(Role.supervisor, Role.admin, Role.auditor))
]


def department_scope(principal: Principal) -> list[str] | None:
    """A department user sees only its departments' complaints; other roles see all."""
    if principal.roles == {Role.department}:
        return sorted(principal.departments)
    return None
