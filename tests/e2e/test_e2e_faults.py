"""Fault injection, CI profile (the same campaign as ``bench/faults.py`` at a few hundred
complaints) on a stack of its own with two replicas of every service: each replica is
killed -9 in turn and restarted, then the broker and the database are killed -9 and
restarted, all under load. The verdict is per stage: created once, routed once, clocks
armed once, each customer e-mail once, one audit entry per event produced, audit
verification ok, no unexplained dead letter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_env import record_figures

from bench.fault_stack import start_stack
from bench.fault_verdict import CampaignReport
from bench.faults import REPLICAS, run_campaign
from closeloop_devstack.service import SERVICES
from closeloop_devstack.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

SERVICE_KILL_COMPLAINTS = 300
INFRA_KILL_COMPLAINTS = 200
RATE_PER_S = 6.0
STAGES = ("created", "routed", "clocks", "mails", "audit")
_totals: dict[str, int] = {}


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: two replicas of every service."""
    started = time.monotonic()
    stack = start_stack(
        Path(tmp_path_factory.mktemp("fault-stack")),
        say=lambda text: print(f"[fault stack] {text}"),
        replicas=REPLICAS,
    )
    record_figures(faults_stack_start_s=round(time.monotonic() - started, 1))
    try:
        yield stack
    finally:
        stack.stop()


def record(report: CampaignReport) -> None:
    """Add a campaign's figures to the session's totals."""
    names = ("submitted", "acknowledged", "found", "duplicates", "losses", "faults_injected")
    for name in (*names, "retried"):
        _totals[name] = _totals.get(name, 0) + int(getattr(report, name))
    record_figures(**{f"faults_{k}": v for k, v in _totals.items()})
    record_figures(**{f"faults_{report.profile}_seconds": report.seconds})
    record_figures(
        **{
            f"faults_{report.profile}_recovery_s": {
                f.fault: (f.recovered_s, f.progressing_s) for f in report.faults
            }
        }
    )


def assert_clean(report: CampaignReport, faults: int) -> None:
    assert report.faults_injected == faults, report.faults
    assert report.acknowledged == report.submitted, report.problems[:10]
    assert report.losses == 0, report.problems[:10]
    assert report.duplicates == 0, report.problems[:10]
    assert report.found == report.acknowledged
    assert set(report.stages) == set(STAGES), report.stages
    for name, figures in report.stages.items():
        assert figures["expected"] > 0, (name, figures)
        assert figures["lost"] == 0 and figures["duplicated"] == 0, (name, report.problems[:20])
    assert report.stages["routed"]["expected"] == 2 * report.acknowledged
    assert report.audit_entries == report.events_produced > 0
    assert report.audit_verify_ok is True, report.problems[-5:]
    assert report.unexpected_dead_letters == 0, report.problems[-10:]
    assert all(f.progressing_s is not None for f in report.faults), report.faults
    assert report.problems == [], "\n".join(report.problems[:30])


async def test_nothing_is_lost_or_duplicated_while_each_replica_is_killed(
    replicated: Stack,
) -> None:
    assert len(replicated.services) == REPLICAS * len(SERVICES)
    report = await run_campaign(
        replicated,
        profile="services",
        count=SERVICE_KILL_COMPLAINTS,
        rate=RATE_PER_S,
        say=print,
    )
    record(report)
    assert_clean(report, faults=REPLICAS * len(SERVICES))  # every replica, the console's too


async def test_nothing_is_lost_or_duplicated_while_broker_and_database_are_killed(
    replicated: Stack,
) -> None:
    report = await run_campaign(
        replicated, profile="infra", count=INFRA_KILL_COMPLAINTS, rate=RATE_PER_S, say=print
    )
    record(report)
    assert_clean(report, faults=2)
