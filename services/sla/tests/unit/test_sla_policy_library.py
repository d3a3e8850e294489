"""Policy and calendar versions: running clocks keep theirs, new clocks take the current."""

from __future__ import annotations

from dataclasses import replace

import pytest

from closeloop_sla.domain.calendar import ALWAYS_OPEN, DEFAULT_CALENDAR, make_calendar
from closeloop_sla.domain.policy import ComplaintAttributes
from closeloop_sla.domain.policy_defaults import DEFAULT_POLICIES, URGENT_POLICY
from closeloop_sla.domain.policy_library import PolicyLibrary, calendar_key, same_content


def test_defaults_are_current_and_builtin_calendars_resolve_by_bare_name() -> None:
    library = PolicyLibrary()
    assert library.current_policies == DEFAULT_POLICIES
    assert library.select(ComplaintAttributes(severity="urgent")).id == "urgent"
    assert library.current_calendar("business") == DEFAULT_CALENDAR
    assert library.calendar("24x7") == ALWAYS_OPEN


def test_a_changed_policy_gets_the_next_version_and_an_unchanged_one_keeps_its_own() -> None:
    library = PolicyLibrary()
    assert library.next_version(URGENT_POLICY) == 1
    longer = replace(URGENT_POLICY, description="changed")
    assert library.next_version(longer) == 2
    library.install_policies([replace(longer, version=2)], current=False)
    assert library.next_version(replace(URGENT_POLICY, priority=99)) == 3
    assert same_content(URGENT_POLICY, replace(URGENT_POLICY, version=7))


def test_old_policy_versions_stay_resolvable_after_a_new_set() -> None:
    library = PolicyLibrary()
    newer = replace(URGENT_POLICY, version=2, priority=1)
    library.install_policies([newer, *DEFAULT_POLICIES[2:]], current=True, revision=1)
    assert library.policy("urgent", 1) == URGENT_POLICY
    assert library.policy("urgent", 2) == newer
    assert library.policy_revision == 1


def test_calendar_versions_keep_their_key_and_new_clocks_take_the_current_one() -> None:
    library = PolicyLibrary()
    night = make_calendar("business", "Asia/Shanghai", "20:00-23:00")
    key = library.install_calendar(night, 1, current=True)
    assert key == calendar_key("business", 1) == "business@1"
    assert library.current_calendar("business").name == "business@1"
    assert library.calendar("business") == DEFAULT_CALENDAR  # version 0 stays resolvable
    library.set_current_calendars({}, revision=2)
    assert library.current_calendar("business") == DEFAULT_CALENDAR
    assert library.calendar("business@1").weekly_hours == night.weekly_hours
    assert library.latest_calendar_version("business") == 1


def test_the_24x7_calendar_cannot_be_replaced_and_unknown_names_fail() -> None:
    library = PolicyLibrary()
    with pytest.raises(ValueError, match="cannot be replaced"):
        library.install_calendar(replace(ALWAYS_OPEN, time_zone="Asia/Shanghai"), 1, current=True)
    with pytest.raises(KeyError):
        library.current_calendar("moon")
    with pytest.raises(KeyError):
        library.calendar("business@9")


def test_bulk_loading_the_deadline_index_orders_like_scheduling_one_by_one() -> None:
    from datetime import UTC, datetime, timedelta

    from closeloop_sla.domain.deadline_index import DeadlineIndex, from_micros, to_micros

    t0 = datetime(2026, 11, 23, tzinfo=UTC)
    keys = [(f"c-{n}", "resolution") for n in range(2000)]
    instants = [t0 + timedelta(seconds=(n * 7919) % 2000) for n in range(2000)]
    bulk, single = DeadlineIndex(), DeadlineIndex()
    bulk.load_micros((to_micros(i), k) for k, i in zip(keys, instants, strict=True))
    for key, instant in zip(keys, instants, strict=True):
        single.schedule(key, instant)
    cutoff = t0 + timedelta(seconds=1000)
    assert bulk.pop_due(cutoff) == single.pop_due(cutoff)
    assert from_micros(to_micros(cutoff)) == cutoff
    bulk.clear()
    assert len(bulk) == 0 and bulk.next_instant() is None
