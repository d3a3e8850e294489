"""The staff directory routing publishes for the services that tell staff things
(feedback): each department's people, on-call person, working hours and e-mail
addresses (sealed), one event per department on the compacted ``routing.directory.v1``.

Published at start-up and after every change of the department set; the department
set's version orders them, so a consumer keeps the newest and a re-publication changes
nothing. Services never read routing's database: this is how the directory travels.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from closeloop_routing.adapters.outbox_entries import SOURCE
from closeloop_routing.domain.departments import Department
from closeloop_routing.service.context import RoutingContext
from closeloop_shared.crypto import Sealer
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.routing import DepartmentDirectory, WorkingHours

log = logging.getLogger(__name__)
SEAL_CONTEXT = "staff-directory"


def directory_event(department: Department, version: int, sealer: Sealer) -> CloudEvent:
    """The directory entry of one department (its contacts sealed)."""
    hours = department.working_hours
    body = DepartmentDirectory(
        department=department.id,
        version=version,
        at=datetime.now(UTC),
        supervisor=department.supervisor,
        leader=department.leader,
        members=list(department.members),
        special_team=list(department.special_team),
        on_call=department.on_call,
        working_hours=WorkingHours.model_validate(dict(hours)) if hours else None,
        contacts_sealed=(
            sealer.seal(dict(department.contacts), context=SEAL_CONTEXT)
            if department.contacts
            else None
        ),
    )
    return CloudEvent.of(body, source=SOURCE, subject=department.id)


async def publish_directory(ctx: RoutingContext) -> None:
    """Publish every department's directory entry at the active version. A failure is
    logged, not raised: the next start-up or department change publishes again."""
    config = ctx.config.current
    sealer = Sealer(ctx.settings.pii_key)
    published = [
        directory_event(d, config.departments_version, sealer) for d in config.departments.values()
    ]
    try:
        await ctx.producer.publish_many(published)
    except Exception:
        log.warning("staff directory not published", exc_info=True)
