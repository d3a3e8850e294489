"""The fault campaign's per-stage arithmetic (pure): a complaint routed twice, a clock armed
twice, a customer mailed twice, a missing or extra audit entry are each caught. The verdict
before issue 20 counted duplicates at intake only and needed clocks merely to exist, so
every one of these passed it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench` is a folder of the repository, not a distribution

from bench.fault_stages import audit_tally  # noqa: E402
from bench.fault_tally import (  # noqa: E402
    CLOCK_STARTED,
    ROUTED,
    TopicRecord,
    audited_ids,
    clock_starts,
    expected_clocks,
    mails_per_recipient,
    parse_body,
    routing_decisions,
    tally,
)

ASSIGNED = "closeloop.routing.complaint.assigned.v1"
QUEUED = "closeloop.routing.complaint.queued.v1"
_offsets = iter(range(1_000_000))


def rec(
    ce_id: str, ce_type: str, subject: str, topic: str = "t", body: dict[str, Any] | None = None
) -> TopicRecord:
    headers = {"ce_id": ce_id, "ce_type": ce_type, "ce_subject": subject}
    return TopicRecord(topic, 0, next(_offsets), headers, body)


def routed_once(cid: str) -> list[TopicRecord]:
    return [rec(f"r-{cid}", ROUTED, cid), rec(f"p-{cid}", QUEUED, cid)]


def decisions_due(*cids: str) -> dict[str, int]:
    return {f"{cid} {what}": 1 for cid in cids for what in ("routed", "placed")}


def test_tally_counts_lost_and_duplicated_per_key() -> None:
    result = tally({"a": 1, "b": 2, "x": 1}, {"a": 1, "b": 1, "c": 1}, "thing")
    assert (result.expected, result.lost, result.duplicated) == (3, 1, 2)
    assert "thing c: 0 of 1" in result.problems
    assert "thing b: 2 times, 1 expected" in result.problems
    assert "thing x: 1 times, 0 expected" in result.problems
    clean = tally({"a": 1}, {"a": 1}, "thing")
    assert (clean.lost, clean.duplicated, clean.problems) == (0, 0, [])


def test_a_complaint_routed_twice_is_a_duplicate() -> None:
    records = [*routed_once("c1"), *routed_once("c2"), rec("r-again", ROUTED, "c2")]
    result = tally(routing_decisions(records, {"c1", "c2"}), decisions_due("c1", "c2"), "routing")
    assert (result.lost, result.duplicated) == (0, 1)
    assert result.problems == ["routing c2 routed: 2 times, 1 expected"]


def test_a_second_placement_with_its_own_id_is_a_duplicate() -> None:
    records = [*routed_once("c1"), rec("p-other", ASSIGNED, "c1")]
    result = tally(routing_decisions(records, {"c1"}), decisions_due("c1"), "routing")
    assert result.duplicated == 1


def test_a_republished_copy_of_one_event_is_one_decision() -> None:
    records = [*routed_once("c1"), *routed_once("c1")]  # same ids: a relay's second copy
    result = tally(routing_decisions(records, {"c1"}), decisions_due("c1"), "routing")
    assert (result.lost, result.duplicated) == (0, 0)


def test_a_complaint_never_routed_is_lost_and_other_runs_are_ignored() -> None:
    records = [rec("r-c1", ROUTED, "c1"), *routed_once("other-run")]
    result = tally(routing_decisions(records, {"c1"}), decisions_due("c1"), "routing")
    assert (result.lost, result.duplicated) == (1, 0)
    assert result.problems == ["routing c1 placed: 0 of 1"]


def started(ce_id: str, cid: str, clock: str, *, restarted: bool = False) -> TopicRecord:
    body = {"complaint_id": cid, "clock": clock, "restarted": restarted}
    return rec(ce_id, CLOCK_STARTED, cid, body=body)


def test_a_clock_armed_twice_is_a_duplicate_and_a_missing_arming_is_lost() -> None:
    table = {"c1": ["acknowledge", "resolve"], "c2": ["acknowledge", "resolve"]}
    records = [
        started("s1", "c1", "acknowledge"),
        started("s2", "c1", "resolve"),
        started("s3", "c1", "resolve"),  # armed a second time after a crash
        started("s4", "c2", "acknowledge"),  # c2's resolve clock was never armed
        started("s5", "c2", "acknowledge", restarted=True),  # a restart is not an arming
    ]
    result = tally(clock_starts(records, {"c1", "c2"}), expected_clocks(table), "clock")
    assert (result.expected, result.lost, result.duplicated) == (4, 1, 1)
    assert sorted(result.problems) == [
        "clock c1 resolve: 2 times, 1 expected",
        "clock c2 resolve: 0 of 1",
    ]


def test_a_customer_mailed_twice_or_when_no_mail_was_due_is_a_duplicate() -> None:
    due = {"a@example.com": 1, "b@example.com": 1, "voice@example.com": 0}
    sink = [
        ["a@example.com"],
        ["b@example.com"],
        ["b@example.com"],  # the same notice sent again
        ["voice@example.com"],  # answered by phone, never by mail
        ["someone-else@example.com"],
    ]
    result = tally(mails_per_recipient(sink, set(due)), due, "mail")
    assert (result.expected, result.lost, result.duplicated) == (2, 0, 2)
    missing = tally(mails_per_recipient(sink[:1], set(due)), due, "mail")
    assert (missing.lost, missing.duplicated) == (1, 0)


def test_events_produced_count_main_topic_ids_once_and_every_dead_letter() -> None:
    records = [
        rec("e1", ROUTED, "c1", topic="routing.events.v1"),
        rec("e1", ROUTED, "c1", topic="routing.events.v1"),  # republished copy
        rec("e1", ROUTED, "c1", topic="routing.events.v1.dlq"),  # dead-lettered by one group
        rec("e1", ROUTED, "c1", topic="routing.events.v1.dlq"),  # and by another
        TopicRecord("complaints.public.v1", 2, 7, {}),  # no ce_id: its coordinates
    ]
    assert len(audited_ids(records)) == 4


def test_the_audit_log_must_hold_one_entry_per_event() -> None:
    assert (audit_tally(10, 10).lost, audit_tally(10, 10).duplicated) == (0, 0)
    assert (audit_tally(9, 10).lost, audit_tally(11, 10).duplicated) == (1, 1)
    assert audit_tally(9, 10).problems == ["audit log holds 9 entries for 10 events"]


def test_bodies_that_are_not_json_objects_are_none() -> None:
    assert parse_body(b'{"clock": "resolve"}') == {"clock": "resolve"}
    assert parse_body(b"[1]") is None and parse_body(b"\xff") is None and parse_body(None) is None
