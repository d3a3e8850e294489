"""``GET/PUT /v1/sla/calendars``."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_shared.http.errors import ApiError
from closeloop_sla.adapters.policy_documents import CalendarRead
from closeloop_sla.adapters.policy_repository import RevisionConflict
from closeloop_sla.domain.policy_library import BUILTIN_CALENDARS, PolicyLibrary, calendar_key
from closeloop_sla.entrypoints.api.deps import Container, Editor, Policies, Reader
from closeloop_sla.entrypoints.api.schemas import CalendarSetRead, CalendarSetWrite
from closeloop_sla.service.policy_service import InvalidSet

router = APIRouter(prefix="/v1/sla/calendars", tags=["calendars"])


def current_calendars(library: PolicyLibrary) -> CalendarSetRead:
    versions = library.current_calendar_versions()
    calendars = [
        CalendarRead.of(library.calendar(calendar_key(name, version)), name, version)
        for name, version in sorted(versions.items())
    ]
    calendars += [
        CalendarRead.of(calendar, name, 0)
        for name, calendar in BUILTIN_CALENDARS.items()
        if name not in versions
    ]
    return CalendarSetRead(revision=library.calendar_revision, calendars=calendars)


@router.get("", summary="The current business calendars (built-ins included)")
async def get_calendars(parts: Container, _: Reader, service: Policies) -> CalendarSetRead:
    await service.refresh()
    return current_calendars(parts.library)


@router.put(
    "",
    summary="Replace the calendar set (new clocks count in the new versions)",
    responses={409: {"description": "the set changed meanwhile; read it again and retry"}},
)
async def put_calendars(
    body: CalendarSetWrite, parts: Container, editor: Editor, service: Policies
) -> CalendarSetRead:
    try:
        await service.replace_calendars(body.calendars, by=editor.sub)
    except InvalidSet as exc:
        fields = [{"field": p.field, "problem": p.problem} for p in exc.problems]
        raise ApiError(
            422, "validation_failed", "the calendar set is not usable", fields=fields
        ) from None
    except RevisionConflict as exc:
        raise ApiError(409, "conflict", f"{exc}; read the calendars again and retry") from None
    return current_calendars(parts.library)
