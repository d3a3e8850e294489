"""A seeded sample of complaints as the other services would announce them — received,
routed, assigned, acknowledged, resolved, reopened, closed, SLA clocks met or breached,
surveys answered — with customers' contact details sealed like intake seals them. Used by
the integration tests (which compute the expected figures from ``Case`` on their own) and
for demonstrations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from closeloop_shared.crypto import Sealer, pseudonym
from closeloop_shared.events.common import Channel, Kind, Severity, Status
from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.events.feedback import SurveyAnswered
from closeloop_shared.events.intake import (
    ComplaintAcknowledged,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResolved,
)
from closeloop_shared.events.routing import ComplaintAssigned, ComplaintRouted
from closeloop_shared.events.sla import ClockBreached, ClockMet
from closeloop_shared.settings import ServiceSettings

CUSTOMERS = (
    ("王芳", "+8613811112222", "wang.fang@example.com"),
    ("李娜", "+8613933334444", "lina.li@example.cn"),
    ("Olivia Harrington", "+447700900123", "olivia.harrington@example.org"),
    ("张伟", "+8613800138000", "zw@example.com"),
    ("陈静", "+8615055556666", "chen.jing@example.net"),
    ("Marcus Feldmann", "+4915112345678", "m.feldmann@example.de"),
)
TEXTS = {
    "billing": (
        "账单重复扣费两次，请退还重复扣款",
        "信用卡账单被重复扣费，要求退还扣款",
        "本月账单扣费两次，请尽快退还扣款",
    ),
    "delivery": ("快递延误五天，包裹还没有送到", "包裹快递严重延误，一直没有送到"),
    "service_attitude": ("营业厅工作人员服务态度恶劣", "客服人员服务态度很差，挂断电话"),
    "product_quality": ("The kettle stopped working after two days, please replace the kettle",),
}
DEPARTMENTS = {
    "billing": "billing",
    "delivery": "logistics",
    "service_attitude": "retail",
    "product_quality": "quality",
}
STATUS_OF = {
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "reopened": "in_progress",
    "closed": "closed",
}


@dataclass
class Step:
    """One thing that happened to a case: ``kind`` is received, routed, assigned,
    acknowledged, resolved, reopened, closed, clock_met, clock_breached or survey."""

    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    """A complaint of the sample, with its customer and everything that happened to it."""

    cid: str
    received_at: datetime
    channel: str
    kind: str
    category: str
    severity: str
    text: str
    customer: tuple[str, str, str]
    department: str
    agent: str | None
    steps: list[Step] = field(default_factory=list)


def _timeline(case: Case, rng: random.Random) -> None:
    r = case.received_at
    add = case.steps.append
    add(Step(r + timedelta(minutes=1), "routed"))
    if case.agent:
        add(Step(r + timedelta(minutes=2), "assigned"))
    if rng.random() > 0.9:
        return
    ack = r + timedelta(hours=rng.uniform(0.1, 3))
    late = rng.random() < 0.25
    if late:
        add(Step(r + (ack - r) / 2, "clock_breached", {"clock": "first_response"}))
    add(Step(ack, "acknowledged"))
    add(
        Step(
            ack,
            "clock_met",
            {"clock": "first_response", "late": late, "seconds": float(rng.randrange(60, 3600))},
        )
    )
    if rng.random() > 0.75:
        return
    done = ack + timedelta(hours=rng.uniform(2, 30))
    outcome = rng.choice(["upheld", "partially_upheld", "rejected"])
    remedy = "Refund of the duplicate charge" if outcome == "upheld" else None
    amount = rng.choice([None, 50.0, 120.0]) if outcome == "upheld" else None
    resolution = {"outcome": outcome, "remedy": remedy, "amount": amount}
    runs = 2 if rng.random() < 0.25 else 1
    for run in range(runs):
        late = run == 0 and rng.random() < 0.3
        if late:
            breach = {"clock": "resolution", "run": run + 1}
            add(Step(done - timedelta(hours=1), "clock_breached", breach))
        add(Step(done, "resolved", resolution))
        seconds = float(rng.randrange(3600, 150_000))
        met = {"clock": "resolution", "late": late, "seconds": seconds, "run": run + 1}
        add(Step(done, "clock_met", met))
        if run + 1 < runs:
            add(Step(done + timedelta(hours=2), "reopened"))
            done += timedelta(hours=6)
    if rng.random() < 0.5:
        add(Step(done + timedelta(hours=1), "closed"))
    if rng.random() < 0.7:
        add(
            Step(
                done + timedelta(hours=3),
                "survey",
                {"score": rng.randint(1, 5), "solved": rng.random() < 0.8},
            )
        )


def sample_cases(
    day: date, tz: tzinfo, *, seed: int = 20250610, days_before: int = 9
) -> list[Case]:
    """Eight complaints received on ``day`` and one or two on each of the days before."""
    rng = random.Random(seed)  # noqa: S311 - sample data, reproducible on purpose
    cases: list[Case] = []
    for back in range(days_before, -1, -1):
        current = day - timedelta(days=back)
        for _ in range(8 if back == 0 else rng.randint(1, 2)):
            category = rng.choice(sorted(TEXTS))
            received = datetime(
                current.year,
                current.month,
                current.day,
                rng.choice([8, 9, 10, 14, 16, 22, 23]),
                rng.randrange(60),
                tzinfo=tz,
            )
            case = Case(
                cid=f"cmp-{seed}-{len(cases):03d}",
                received_at=received,
                channel=rng.choice(["phone", "web", "email", "wechat"]),
                kind=rng.choice(["complaint", "complaint", "grievance", "suggestion"]),
                category=category,
                severity=rng.choice(["normal", "normal", "urgent", "major"]),
                text=rng.choice(TEXTS[category]),
                customer=rng.choice(CUSTOMERS),
                department=DEPARTMENTS[category],
                agent=None
                if rng.random() < 0.15
                else rng.choice(["agent-1", "agent-2", "agent-3"]),
            )
            _timeline(case, rng)
            cases.append(case)
    return cases


def customer_pseudonym(settings: ServiceSettings, case: Case) -> str:
    """The case's customer pseudonym as intake derives it (from the phone number)."""
    return pseudonym(settings.pseudonym_key, case.customer[1])


def _received(case: Case, settings: ServiceSettings) -> ComplaintReceived:
    name, phone, email = case.customer
    sealed = Sealer(settings.pii_key).seal(
        {
            "name": name,
            "phone": phone,
            "email": email,
            "address": None,
            "customer_id": None,
            "language": "zh-CN",
        },
        context="customer",
    )
    return ComplaintReceived(
        complaint_id=case.cid,
        at=case.received_at,
        received_at=case.received_at,
        channel=Channel(case.channel),
        kind=Kind(case.kind),
        category=case.category,
        severity=Severity(case.severity),
        severity_reason="sample",
        customer_pseudonym=customer_pseudonym(settings, case),
        text=case.text,
        contact_methods=["email", "phone"],
        customer_sealed=sealed,
    )


def case_events(case: Case, settings: ServiceSettings) -> list[CloudEvent]:
    """The events of one case, in the order its services would publish them."""
    cid, version = case.cid, 1
    events = [CloudEvent.of(_received(case, settings), source=source_of("intake"), subject=cid)]
    for step in case.steps:
        common: dict[str, Any] = {"complaint_id": cid, "at": step.at}
        body: Any
        source = source_of("intake")
        if step.kind in STATUS_OF:
            version += 1
            change = {
                **common,
                "version": version,
                "actor": case.agent or "system",
                "status": Status(STATUS_OF[step.kind]),
            }
            if step.kind == "acknowledged":
                body = ComplaintAcknowledged(**change)
            elif step.kind == "resolved":
                d = step.data
                body = ComplaintResolved(
                    **change,
                    outcome=d["outcome"],
                    basis="sample",
                    remedy=d["remedy"],
                    compensation_amount=d["amount"],
                    compensation_currency="CNY" if d["amount"] else None,
                )
            elif step.kind == "reopened":
                body = ComplaintReopened(**change, reason="customer not satisfied")
            else:
                body = ComplaintClosed(**change)
        elif step.kind == "routed":
            source = source_of("routing")
            body = ComplaintRouted(
                **common, department=case.department, rule_set_version=1, reason="sample"
            )
        elif step.kind == "assigned":
            source = source_of("routing")
            body = ComplaintAssigned(
                **common, department=case.department, assignee=case.agent or ""
            )
        elif step.kind == "clock_met":
            source = source_of("sla")
            body = ClockMet(
                **common,
                clock=step.data["clock"],
                run=step.data.get("run", 1),
                policy_id="default",
                policy_version=1,
                severity=case.severity,
                late=step.data["late"],
                working_seconds=step.data["seconds"],
            )
        elif step.kind == "clock_breached":
            source = source_of("sla")
            body = ClockBreached(
                **common,
                clock=step.data["clock"],
                run=step.data.get("run", 1),
                policy_id="default",
                policy_version=1,
                severity=case.severity,
                deadline=step.at,
                detected_at=step.at,
            )
        else:
            source = source_of("feedback")
            body = SurveyAnswered(
                **common,
                survey_id=f"srv-{cid}",
                score=step.data["score"],
                solved=step.data["solved"],
                department=case.department,
            )
        events.append(CloudEvent.of(body, source=source, subject=cid))
    return events
