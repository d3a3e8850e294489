"""The per-stage verdict read from the broker, the sink and the audit log once the complaints
have settled: routed once, clocks armed once, each customer e-mail once, one audit entry per
event produced (and the log verifies)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

from bench.fault_stack import Say
from bench.fault_tally import (
    StageTally,
    audited_ids,
    clock_starts,
    expected_clocks,
    mails_per_recipient,
    routing_decisions,
    tally,
)
from bench.fault_verdict import AUDITED, CampaignReport, audit_verify, read_topics, sink_recipients
from closeloop_devstack.stack import Stack
from closeloop_shared.topics import ROUTING_EVENTS, SLA_EVENTS


def audit_tally(entries: int, produced: int) -> StageTally:
    """One audit entry is due per event produced."""
    result = StageTally(expected=produced)
    result.lost, result.duplicated = max(0, produced - entries), max(0, entries - produced)
    if entries != produced:
        result.problems.append(f"audit log holds {entries} entries for {produced} events")
    return result


async def judge_stages(
    stack: Stack,
    report: CampaignReport,
    *,
    complaint_ids: Sequence[str],
    clocks: Mapping[str, list[str]],
    mails: Mapping[str, int],
    within: float,
    say: Say,
) -> None:
    """Wait (up to ``within`` s) for the mails and the audit log to catch up, then record the
    routed, clocks, mails and audit stages in ``report``."""
    bootstrap = f"127.0.0.1:{stack.config.kafka_port}"
    deadline = time.monotonic() + within
    while True:
        records = await read_topics(bootstrap, AUDITED)
        produced = len(audited_ids(records))
        verdict = await audit_verify(stack)
        mail = tally(mails_per_recipient(await sink_recipients(stack), set(mails)), mails, "mail")
        caught_up = verdict.get("entries") == produced and mail.lost == 0
        if caught_up or time.monotonic() > deadline:
            break
        say(
            f"waiting: audit {verdict.get('entries')} of {produced} events, "
            f"{mail.lost} of {mail.expected} mails outstanding"
        )
        await asyncio.sleep(3.0)
    complaints = set(complaint_ids)
    routing = [r for r in records if r.topic == ROUTING_EVENTS.name]
    decisions = {f"{cid} {what}": 1 for cid in complaints for what in ("routed", "placed")}
    report.add_stage("routed", tally(routing_decisions(routing, complaints), decisions, "routing"))
    sla = [r for r in records if r.topic == SLA_EVENTS.name]
    starts = clock_starts(sla, complaints)
    report.add_stage("clocks", tally(starts, expected_clocks(clocks), "clock"))
    report.add_stage("mails", mail)
    report.audit_entries = int(verdict.get("entries") or 0)
    report.events_produced = produced
    report.add_stage("audit", audit_tally(report.audit_entries, produced))
    report.audit_verify_ok = bool(verdict.get("ok"))
    if not report.audit_verify_ok:
        report.problems.append(f"audit verify: {verdict}")
