"""The deadline timer task and the rebalance hooks that keep its index in step with the
partitions this worker owns: revoked partitions are forgotten, and after faust restored a
newly assigned partition from its changelog the index is rebuilt from the table, before
faust resumes the streams (so no record is processed against a half-built index)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from closeloop_sla.adapters.clock_store import ClockStore
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.service.deadline_schedule import DeadlineSchedule
from closeloop_sla.service.deadline_timer import DeadlineTimer
from closeloop_sla.service.index_rebuild import rebuild_partition

log = logging.getLogger(__name__)


def register_deadline_timer(app: Any, timer: DeadlineTimer) -> None:
    """Run the timer loop for the life of the worker."""
    app.task(timer.run)


def register_rebalance_hooks(
    app: Any,
    table: Any,
    store: ClockStore,
    schedule: DeadlineSchedule,
    calendar_of: Callable[[str], BusinessCalendar] | None = None,
) -> None:
    """Pause the timer on revocation; rebuild indexes once recovery completed."""

    @app.on_partitions_revoked.connect  # type: ignore[untyped-decorator]
    async def on_revoked(sender: Any, revoked: Any, **_: Any) -> None:
        schedule.ready = False

    async def on_recovered() -> None:
        changelog = table.changelog_topic.get_topic_name()
        active = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == changelog}
        for partition in schedule.partitions - active:
            schedule.drop(partition)
        for partition in sorted(active - schedule.partitions):
            await rebuild_partition(store, schedule, partition, calendar_of)
        schedule.publish_gauges()
        schedule.ready = True
        log.info("clock partitions ready", extra={"partitions": sorted(active)})

    table.on_recover(on_recovered)
