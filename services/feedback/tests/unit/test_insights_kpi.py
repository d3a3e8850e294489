"""KPIs per department and per agent over the cohort of received complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from closeloop_feedback.domain.insights.facts import (
    UNASSIGNED,
    ClockOutcome,
    ComplaintFacts,
    Resolution,
    StatusChange,
    SurveyAnswer,
)
from closeloop_feedback.domain.insights.kpi import KpiGroup, compute_kpis, resolution_seconds

T0 = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def met(clock: str, seconds: float, *, late: bool = False, hours: float = 1) -> ClockOutcome:
    return ClockOutcome(at(hours), clock, met=True, late=late, working_seconds=seconds)


def breach(clock: str, hours: float = 1) -> ClockOutcome:
    return ClockOutcome(at(hours), clock, met=False, late=True)


def change(status: str, version: int, hours: float, name: str | None = None) -> StatusChange:
    return StatusChange(at(hours), version, status, name or status)


def complaint(
    cid: str, dept: str | None = "billing", agent: str | None = "a1", **kw: Any
) -> ComplaintFacts:
    return ComplaintFacts(cid, received_at=T0, department=dept, agent=agent, **kw)


def test_a_breached_clock_met_late_counts_as_one_late_run() -> None:
    c = complaint(
        "c1",
        clocks=(
            met("first_response", 600),
            breach("resolution"),
            met("resolution", 9e4, late=True),
        ),
    )
    totals, _ = compute_kpis([c], None)
    assert totals.as_dict()["on_time"]["on_time"] == 1
    assert totals.as_dict()["on_time"]["late"] == 1
    assert totals.as_dict()["on_time"]["by_clock"]["resolution"] == {
        "on_time": 0,
        "late": 1,
        "ratio": 0.0,
    }


def test_each_run_of_a_restarted_clock_is_decided_on_its_own() -> None:
    first_late = ClockOutcome(at(1), "resolution", met=False, late=True, run=1)
    first_met = ClockOutcome(at(2), "resolution", met=True, late=True, working_seconds=9e4, run=1)
    second = ClockOutcome(at(9), "resolution", met=True, working_seconds=100, run=2)
    totals, _ = compute_kpis([complaint("c1", clocks=(first_late, first_met, second))], None)
    assert totals.as_dict()["on_time"]["by_clock"]["resolution"] == {
        "on_time": 1,
        "late": 1,
        "ratio": 0.5,
    }


def test_resolution_time_sums_the_runs_and_falls_back_to_initial_solution() -> None:
    reopened = complaint("c1", clocks=(met("resolution", 100), met("resolution", 50, hours=30)))
    simple = complaint("c2", clocks=(met("initial_solution", 70),))
    assert resolution_seconds(reopened) == 150
    assert resolution_seconds(simple) == 70
    assert resolution_seconds(complaint("c3")) is None


def test_rates_csat_and_remedies_per_department() -> None:
    resolved = (change("acknowledged", 2, 1), change("resolved", 3, 5))
    reopened = (*resolved, change("in_progress", 4, 8, "reopened"))
    cs = [
        complaint(
            "c1",
            statuses=resolved,
            resolutions=(Resolution(at(5), "upheld", True, 80.0, "CNY"),),
            surveys=(SurveyAnswer(at(9), 5, True),),
        ),
        complaint(
            "c2",
            statuses=reopened,
            resolutions=(Resolution(at(5), "rejected", False),),
            surveys=(SurveyAnswer(at(9), 2, False),),
        ),
        complaint("c3", statuses=(change("acknowledged", 2, 1),)),
        complaint("c4", dept="logistics", agent=None),
    ]
    totals, rows = compute_kpis(cs, KpiGroup.department)
    billing = rows[0].as_dict()
    assert [r.key for r in rows] == ["billing", "logistics"]
    assert billing["complaints"] == 3
    assert billing["resolved"] == 1 and billing["resolution_rate"] == pytest.approx(0.3333)
    assert billing["reopened"] == 1 and billing["reopen_rate"] == 0.5
    assert billing["csat"] == {"answered": 2, "satisfied": 1, "ratio": 0.5}
    assert billing["remedies_granted"] == 1 and billing["compensation"] == {"CNY": 80.0}
    assert totals.complaints == 4


def test_first_response_percentiles_per_agent_with_unassigned_grouped() -> None:
    cs = [
        complaint(f"c{i}", agent="a1", clocks=(met("first_response", s),))
        for i, s in enumerate([100.0, 200.0, 300.0, 400.0])
    ] + [complaint("c9", agent=None, clocks=(met("first_response", 50.0),))]
    _, rows = compute_kpis(cs, KpiGroup.agent)
    by_agent = {r.key: r.as_dict() for r in rows}
    assert by_agent["a1"]["first_response_seconds"] == {"count": 4, "p50": 250.0, "p90": 370.0}
    assert by_agent[UNASSIGNED]["first_response_seconds"]["p50"] == 50.0


def test_no_complaints_give_empty_figures_not_errors() -> None:
    totals, rows = compute_kpis([], KpiGroup.department)
    data = totals.as_dict()
    assert rows == [] and data["complaints"] == 0
    assert data["resolution_rate"] is None and data["first_response_seconds"]["p50"] is None
