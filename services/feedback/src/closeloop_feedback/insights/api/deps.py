"""Dependencies of the insights routes. They read the service runtime the feedback
bootstrap keeps on ``app.state.runtime`` (its database, producer and settings)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from closeloop_feedback.insights.daily_job import insights_settings
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.auth import Principal, Role, require_roles
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.snapshots import Snapshot, SnapshotMemo

ReportKey = tuple[Hashable, ...]
Report = dict[str, Any]
ReportSnapshots = SnapshotMemo[ReportKey, Report]


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_settings(runtime: Annotated[ServiceRuntime, Depends(get_runtime)]) -> InsightsSettings:
    return insights_settings(runtime)


def utc_now() -> datetime:
    return datetime.now(UTC)


def report_snapshots(settings: InsightsSettings) -> ReportSnapshots:
    """The reports' snapshots, kept on ``app.state.report_snapshots`` by whoever builds the
    app (see ``closeloop_shared.snapshots``)."""
    return SnapshotMemo(fresh_s=settings.report_fresh_s, stale_s=settings.report_stale_s)


def get_report_snapshots(request: Request) -> ReportSnapshots:
    snapshots: ReportSnapshots = request.app.state.report_snapshots
    return snapshots


def dated(response: Response, snapshots: ReportSnapshots, snapshot: Snapshot[Report]) -> Response:
    """``response`` with the standard ``Age`` header: how old the report it carries is."""
    response.headers["Age"] = str(int(snapshots.age_s(snapshot)))
    return response


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
ReportSnapshotsDep = Annotated[ReportSnapshots, Depends(get_report_snapshots)]
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
