"""Fault injection, CI profile (the same campaign as ``bench/faults.py`` at a few hundred
complaints): nothing acknowledged is lost or duplicated while each service is killed -9 and
restarted, nor while the broker and then the database are stopped and restarted.

These tests run last in the session (see conftest.py): they stop the broker and database.
"""

from __future__ import annotations

import pytest
from e2e_env import E2E, record_figures

from bench.fault_verdict import CampaignReport
from bench.faults import run_campaign
from closeloop_devstack.service import SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SERVICE_KILL_COMPLAINTS = 300
INFRA_RESTART_COMPLAINTS = 200
RATE_PER_S = 6.0
_totals: dict[str, int] = {}


def record(report: CampaignReport) -> None:
    """Add a campaign's figures to the session's totals."""
    names = ("submitted", "acknowledged", "found", "duplicates", "losses", "faults_injected")
    for name in (*names, "retried"):
        _totals[name] = _totals.get(name, 0) + int(getattr(report, name))
    record_figures(**{f"faults_{k}": v for k, v in _totals.items()})
    record_figures(**{f"faults_{report.profile}_seconds": report.seconds})


def assert_clean(report: CampaignReport, faults: int) -> None:
    assert report.faults_injected == faults, report.faults
    assert report.acknowledged == report.submitted, report.problems[:10]
    assert report.losses == 0, report.problems[:10]
    assert report.duplicates == 0, report.problems[:10]
    assert report.found == report.acknowledged
    assert report.audit_verify_ok is True, report.problems[-5:]
    assert report.unexpected_dead_letters == 0, report.problems[-10:]
    assert report.problems == [], "\n".join(report.problems[:30])


async def test_nothing_is_lost_or_duplicated_while_each_service_is_killed(e2e: E2E) -> None:
    report = await run_campaign(
        e2e.stack, profile="services", count=SERVICE_KILL_COMPLAINTS, rate=RATE_PER_S, say=print
    )
    record(report)
    assert_clean(report, faults=len(SERVICES))  # each service killed once, the console too


async def test_nothing_is_lost_or_duplicated_while_broker_and_database_restart(e2e: E2E) -> None:
    report = await run_campaign(
        e2e.stack, profile="infra", count=INFRA_RESTART_COMPLAINTS, rate=RATE_PER_S, say=print
    )
    record(report)
    assert_clean(report, faults=2)
