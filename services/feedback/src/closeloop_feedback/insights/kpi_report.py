"""KPIs from the read model: the cohort of complaints received in the window, per
department or per agent (see ``domain.insights.kpi``)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.domain.insights.facts import HANDLING_CLOCKS, ComplaintFacts
from closeloop_feedback.domain.insights.kpi import KpiGroup, KpiRow, KpiTally
from closeloop_feedback.insights.queries import InsightReads
from closeloop_shared.mongo import Document

BASIS = "complaints received in [from, to), as they stand now; times in working seconds"


async def handling_kpis(
    db: AsyncDatabase[Document],
    start: datetime,
    end: datetime,
    group_by: KpiGroup,
    departments: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Timeliness, resolution, reopening, CSAT and remedies per group, with totals."""
    cohort = InsightReads(db).stream_received_between(start, end, departments)
    totals, rows = await tally_kpis(cohort, group_by)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": group_by.value,
        "basis": BASIS,
        "clocks": list(HANDLING_CLOCKS),
        "departments": sorted(departments) if departments is not None else None,
        "totals": totals.as_dict(),
        "rows": [{group_by.value: r.key, **r.as_dict()} for r in rows],
    }


async def tally_kpis(
    cohort: AsyncIterable[ComplaintFacts], group_by: KpiGroup
) -> tuple[KpiRow, list[KpiRow]]:
    """The KPIs of a streamed cohort; each complaint is dropped once counted."""
    tally = KpiTally(group_by)
    async for complaint in cohort:
        tally.add(complaint)
    return tally.result()
