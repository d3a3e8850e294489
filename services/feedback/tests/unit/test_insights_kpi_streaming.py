"""The KPI report counts a streamed cohort without holding it: each complaint's facts are
released once counted, and the figures equal those of the whole list at once."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from closeloop_feedback.domain.insights.facts import ClockOutcome, ComplaintFacts, SurveyAnswer
from closeloop_feedback.domain.insights.kpi import KpiGroup, compute_kpis
from closeloop_feedback.insights.kpi_report import tally_kpis

T0 = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)


def _complaint(n: int) -> ComplaintFacts:
    return ComplaintFacts(
        f"c{n}",
        received_at=T0,
        department=("billing", "network", "sales")[n % 3],
        agent=f"a{n % 4}",
        clocks=(
            ClockOutcome(T0, "first_response", met=True, late=n % 5 == 0, working_seconds=60.0 * n),
        ),
        surveys=(SurveyAnswer(T0, score=1 + n % 5, solved=n % 2 == 0),),
    )


async def test_a_streamed_cohort_is_released_as_it_is_counted() -> None:
    seen: list[weakref.ref[ComplaintFacts]] = []
    alive_at_most = 0

    async def cohort() -> AsyncIterator[ComplaintFacts]:
        nonlocal alive_at_most
        for n in range(200):
            # (Reference counting frees facts at once; the facts hold no cycles for gc.)
            alive_at_most = max(alive_at_most, sum(1 for ref in seen if ref() is not None))
            facts = _complaint(n)
            seen.append(weakref.ref(facts))
            yield facts
            del facts

    totals, rows = await tally_kpis(cohort(), KpiGroup.department)
    assert totals.complaints == 200 and [r.key for r in rows] == ["billing", "network", "sales"]
    assert alive_at_most <= 1  # a list-building report would hold all 199 earlier ones


async def test_streamed_figures_equal_the_whole_list() -> None:
    cohort = [_complaint(n) for n in range(50)]

    async def stream() -> AsyncIterator[ComplaintFacts]:
        for facts in cohort:
            yield facts

    for group in KpiGroup:
        streamed = await tally_kpis(stream(), group)
        at_once = compute_kpis(cohort, group)
        assert streamed[0].as_dict() == at_once[0].as_dict()
        assert [r.as_dict() for r in streamed[1]] == [r.as_dict() for r in at_once[1]]
