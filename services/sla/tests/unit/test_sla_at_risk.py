"""The at-risk index: ordered by deadline across partitions, filtered, replaced per row,
dropped per partition; and what a clock set contributes to it."""

from datetime import UTC, datetime, timedelta

from closeloop_sla.adapters.clock_codec import decode_header, decode_risk, decode_row, encode_row
from closeloop_sla.domain.at_risk import (
    ComplaintRisk,
    RiskClock,
    from_header,
    remaining_working_time,
    risk_of,
    to_header,
)
from closeloop_sla.domain.clock import remaining_working_time as clock_remaining
from closeloop_sla.domain.clock_inputs import AssignOwner, Receive, Trigger
from closeloop_sla.domain.clock_model import ClockPhase
from closeloop_sla.domain.clock_rules import apply_input
from closeloop_sla.domain.policy import ComplaintAttributes
from closeloop_sla.domain.policy_library import PolicyLibrary
from closeloop_sla.service.at_risk_index import AtRiskIndex

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday, in working hours
ONE_H = timedelta(hours=1)


def risk(dept: str, *clocks: tuple[int, str, bool], severity: str = "normal") -> ComplaintRisk:
    made = tuple(
        RiskClock(us, kind, "breached" if late else "running", "24x7", 0, None)
        for us, kind, late in clocks
    )
    return ComplaintRisk(dept, severity, f"owner-{dept}", made)


def ids(index: AtRiskIndex, until: int, **kw: object) -> list[tuple[str, str]]:
    return [(e.complaint_id, e.clock.kind) for e in index.due_by(until, **kw)]  # type: ignore[arg-type]


def test_clocks_come_earliest_first_across_partitions_up_to_the_window() -> None:
    index = AtRiskIndex()
    index.update(0, "a", risk("billing", (300, "resolution", False), (100, "first_response", True)))
    index.update(1, "b", risk("logistics", (200, "resolution", False)))
    index.update(1, "c", risk("billing", (900, "resolution", False)))
    assert ids(index, 500) == [("a", "first_response"), ("b", "resolution"), ("a", "resolution")]
    first = next(index.due_by(500))
    assert (first.clock.breached, first.owner, first.department) == (
        True,
        "owner-billing",
        "billing",
    )
    assert len(index) == 4


def test_departments_and_severity_filter() -> None:
    index = AtRiskIndex()
    index.update(0, "a", risk("billing", (100, "resolution", False)))
    index.update(0, "b", risk("logistics", (200, "resolution", False), severity="urgent"))
    assert ids(index, 10**6, departments=frozenset({"logistics"})) == [("b", "resolution")]
    assert ids(index, 10**6, departments=frozenset()) == []
    assert ids(index, 10**6, severity="urgent") == [("b", "resolution")]
    both = {"departments": frozenset({"logistics", "billing"}), "severity": "normal"}
    assert ids(index, 10**6, **both) == [("a", "resolution")]
    index.update(0, "b", risk("billing", (50, "resolution", True), severity="urgent"))
    assert ids(index, 10**6, departments=frozenset({"logistics"})) == []  # it moved
    assert ids(index, 10**6, departments=frozenset({"billing"})) == [
        ("b", "resolution"),
        ("a", "resolution"),
    ]


def test_an_update_replaces_a_rows_entries_and_an_empty_risk_removes_them() -> None:
    index = AtRiskIndex()
    index.update(0, "a", risk("billing", (100, "resolution", False)))
    index.update(0, "a", risk("billing", (700, "resolution", False)))
    assert [e.deadline_us for e in index.due_by(10**6)] == [700]
    index.update(0, "a", risk("billing"))
    assert len(index) == 0 and ids(index, 10**6) == []


def test_rebuild_and_drop_are_per_partition() -> None:
    index = AtRiskIndex()
    index.update(0, "a", risk("billing", (100, "resolution", False)))
    index.rebuild(1, [("b", risk("billing", (50, "resolution", False))), ("c", risk("x"))])
    assert ids(index, 10**6) == [("b", "resolution"), ("a", "resolution")]
    index.drop(0)
    assert ids(index, 10**6) == [("b", "resolution")]


def test_the_header_round_trips_and_old_headers_still_decode() -> None:
    kept = risk("billing", (123, "resolution", True))
    assert from_header(to_header(kept)) == kept
    old = b'[[[5,"resolution"]],["running"]]\n{}'
    assert decode_header(old) == ([(5, "resolution")], ["running"])
    assert decode_risk(old) is None


def test_running_clocks_are_at_risk_and_paused_ones_leave_the_list() -> None:
    library = PolicyLibrary()
    attrs = ComplaintAttributes("complaint", "major", "billing", "web", "gold")
    state, _ = apply_input(None, "c-1", Receive(T0, attrs), library)
    state, _ = apply_input(state, "c-1", AssignOwner("billing", "agent-1"), library)
    assert state is not None
    running = risk_of(state, library.calendar)
    assert (running.department, running.severity, running.owner) == ("billing", "major", "agent-1")
    expected = {c.kind.value for c in state.clocks if c.is_open and c.phase is ClockPhase.RUNNING}
    assert {c.kind for c in running.clocks} == expected and expected
    raw = encode_row(state, [], [], running)
    assert decode_risk(raw) == running and decode_row(raw).owner == "agent-1"
    later = T0 + timedelta(minutes=30)
    for entry in running.clocks:
        clock = next(c for c in state.clocks if c.kind.value == entry.kind)
        calendar = library.calendar(clock.calendar)
        exact = clock_remaining(clock, calendar, later)
        assert remaining_working_time(entry, calendar, later) == exact
    paused, _ = apply_input(state, "c-1", Trigger("awaiting_customer", T0 + ONE_H), library)
    assert paused is not None
    waiting = {c.kind.value for c in paused.clocks if c.phase is ClockPhase.PAUSED}
    assert waiting and not waiting & {c.kind for c in risk_of(paused, library.calendar).clocks}
