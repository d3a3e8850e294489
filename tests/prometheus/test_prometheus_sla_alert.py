"""A real SLA breach on the real stack, seen by a real Prometheus: the urgent-breach alert of
deploy/prometheus/alerts.yml goes from pending to firing in Prometheus's HTTP API.

The breach is caused the way it happens in production: an administrator's policy gives urgent
complaints a first response within a few seconds, an urgent complaint is registered through
intake and nobody acknowledges it. The SLA worker counts the breach in
``closeloop_sla_breaches_total``, Prometheus scrapes it and evaluates the rule.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from closeloop_devstack.stack import Stack
from closeloop_devstack.waiting import eventually
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration

ALERT = "CloseloopSlaBreachUrgent"
# Set to a file path to keep what Prometheus recorded (input of tools/demo/sla_figure.py).
DEMO_OUT_VARIABLE = "CLOSELOOP_SLA_DEMO_OUT"
FIRST_RESPONSE_TARGET = "PT3S"
FIRST_RESPONSE_BREACHES = 'closeloop_sla_breaches_total{job="sla",clock="first_response"}'
QUICK_POLICY = {
    "id": "prometheus-alert-test",
    "priority": 1000,  # above every default policy: this stack's urgent complaints use it
    "match": {"severities": ["urgent"]},
    "clocks": [
        {
            "clock": "first_response",
            "target": FIRST_RESPONSE_TARGET,
            "calendar": "24x7",
            "warn_at": [],
        }
    ],
    "description": "first response within seconds, so that a breach happens during the test",
}


def headers(role: Role, sub: str) -> dict[str, str]:
    """Request headers with a development token of ``role``."""
    return {"Authorization": f"Bearer {issue_dev_token(ServiceSettings(), role=role, sub=sub)}"}


def url(stack: Stack, service: str, path: str) -> str:
    """Absolute URL of ``path`` on one service of ``stack``."""
    return f"http://127.0.0.1:{stack.config.service_ports[service]}{path}"


async def prometheus_data(client: httpx.AsyncClient, base: str, path: str, **params: str) -> Any:
    """The ``data`` of one Prometheus API answer."""
    reply = await client.get(base + path, params=params)
    answer = reply.json()
    assert answer.get("status") == "success", answer
    return answer["data"]


async def install_quick_policy(client: httpx.AsyncClient, stack: Stack) -> None:
    """PUT the current policy set plus the quick urgent policy."""
    admin = headers(Role.admin, "prometheus-test-admin")
    current = await client.get(url(stack, "sla", "/v1/sla/policies"), headers=admin)
    assert current.status_code == 200, current.text
    policies = [
        {k: v for k, v in p.items() if k != "version"}
        for p in current.json()["policies"]
        if p["id"] != QUICK_POLICY["id"]
    ]
    reply = await client.put(
        url(stack, "sla", "/v1/sla/policies"),
        json={"policies": [*policies, QUICK_POLICY]},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    assert QUICK_POLICY["id"] in {p["id"] for p in reply.json()["policies"]}


async def register_urgent_complaint(client: httpx.AsyncClient, stack: Stack) -> str:
    """An urgent complaint through intake's API; returns its id."""
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"name": "赵敏", "phone": "+8613900000001"},
        "description": "燃气泄漏，楼道有很大的煤气味",
        "demand": "立即派人检修",
        "category": "service_attitude",
        "severity": "urgent",
        "received_by": "agent-prometheus-test",
    }
    reply = await client.post(
        url(stack, "intake", "/v1/complaints"),
        json=body,
        headers=headers(Role.channel, "prometheus-test-channel")
        | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["severity"] == "urgent"
    return str(reply.json()["id"])


@dataclass
class AlertWatch:
    """The states of one alert as seen in successive ``GET /api/v1/alerts`` answers."""

    states: list[str] = field(default_factory=list)
    first_seen: dict[str, float] = field(default_factory=dict)  # state → epoch seconds
    last: dict[str, Any] = field(default_factory=dict)

    def see(self, alerts: list[dict[str, Any]]) -> None:
        """Record this answer's state of the urgent first-response breach alert."""
        ours = [
            a
            for a in alerts
            if a["labels"].get("alertname") == ALERT
            and a["labels"].get("clock") == "first_response"
        ]
        if not ours:
            return
        [alert] = ours
        self.last = alert
        state = str(alert["state"])
        if not self.states or self.states[-1] != state:
            self.states.append(state)
            self.first_seen.setdefault(state, time.time())


def stamp(epoch: float) -> str:
    """An epoch instant as local ISO-8601 text (for the report)."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="milliseconds")


async def raw_samples(
    client: httpx.AsyncClient, base: str, selector: str, since: float, label: str
) -> dict[str, list[tuple[float, float]]]:
    """The stored samples of ``selector`` since ``since`` (exact timestamps), by ``label``."""
    window = max(1, round(time.time() - since) + 1)
    data = await prometheus_data(client, base, "/api/v1/query", query=f"{selector}[{window}s]")
    return {
        str(series["metric"].get(label, "")): [(float(t), float(v)) for t, v in series["values"]]
        for series in data["result"]
    }


async def export_demo(
    client: httpx.AsyncClient, base: str, since: float, moments: dict[str, float]
) -> dict[str, Any]:
    """What Prometheus recorded around the breach, for tools/demo/sla_figure.py."""
    lag = await prometheus_data(
        client,
        base,
        "/api/v1/query",
        query="sum by (le) (closeloop_sla_detection_lag_seconds_bucket)",
    )
    rules = await prometheus_data(client, base, "/api/v1/rules", type="alert")
    [interval] = [
        g["interval"] for g in rules["groups"] if ALERT in {r["name"] for r in g["rules"]}
    ]
    return {
        "alert": ALERT,
        "group_interval_s": interval,
        "moments": moments,
        "breaches_by_severity": await raw_samples(
            client, base, FIRST_RESPONSE_BREACHES, since, "severity"
        ),
        "detection_lag_buckets": {
            str(r["metric"]["le"]): float(r["value"][1]) for r in lag["result"]
        },
    }


async def keep_demo(
    client: httpx.AsyncClient, base: str, since: float, moments: dict[str, float], out: Path
) -> None:
    """Write :func:`export_demo` to ``out`` once the alert has fired for a few evaluations
    (so that the picture shows it firing)."""

    async def firing_for_a_while() -> bool:
        query = f'ALERTS{{alertname="{ALERT}",alertstate="firing"}}'
        firing = await raw_samples(client, base, query, moments["firing"], "alertstate")
        return len(firing.get("firing", [])) >= 4

    await eventually(firing_for_a_while, within=30, what="firing samples")
    text = json.dumps(await export_demo(client, base, since, moments), indent=1)
    await asyncio.to_thread(out.write_text, text, encoding="utf-8")


async def test_an_unacknowledged_urgent_complaint_takes_the_breach_alert_from_pending_to_firing(
    stack: Stack, prometheus_url: str, record_property: Any
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await install_quick_policy(client, stack)

        async def breach_counter_scraped() -> bool:
            query = 'closeloop_sla_breaches_total{job="sla",severity="urgent"}'
            data = await prometheus_data(client, prometheus_url, "/api/v1/query", query=query)
            return bool(data["result"])

        # The counter exists at 0 before the breach, so the alert sees an increase.
        await eventually(breach_counter_scraped, within=60, what="sla scraped by Prometheus")
        before = await prometheus_data(client, prometheus_url, "/api/v1/alerts")
        assert not [a for a in before["alerts"] if a["labels"]["alertname"] == ALERT]
        scraping_since = time.time() - 5

        complaint_id = await register_urgent_complaint(client, stack)
        registered_at = time.time()

        async def breached_clock() -> dict[str, Any] | None:
            reply = await client.get(
                url(stack, "sla", f"/v1/sla/complaints/{complaint_id}"),
                headers=headers(Role.supervisor, "prometheus-test-supervisor"),
            )
            if reply.status_code != 200:
                return None
            clocks = {c["clock"]: c for c in reply.json()["clocks"]}
            clock: dict[str, Any] = clocks.get("first_response", {})
            return clock if clock.get("state") == "breached" else None

        clock = await eventually(breached_clock, within=60, interval=0.2, what="breached clock")
        watch = AlertWatch()

        async def alert_firing() -> bool:
            watch.see((await prometheus_data(client, prometheus_url, "/api/v1/alerts"))["alerts"])
            return watch.states[-1:] == ["firing"]

        await eventually(alert_firing, within=90, interval=0.25, what=f"{ALERT} firing")

        async def both_states_recorded() -> dict[str, list[tuple[float, float]]] | None:
            # The alerts API shows a state during the evaluation, before its sample is stored.
            query = f'ALERTS{{alertname="{ALERT}"}}'
            found = await raw_samples(client, prometheus_url, query, scraping_since, "alertstate")
            return found if {"pending", "firing"} <= set(found) else None

        recorded = await eventually(both_states_recorded, within=30, what="ALERTS samples")
        groups = await prometheus_data(client, prometheus_url, "/api/v1/rules", type="alert")
        [rule] = [r for g in groups["groups"] for r in g["rules"] if r["name"] == ALERT]
        demo_out = os.environ.get(DEMO_OUT_VARIABLE)
        if demo_out:
            moments = {
                "registered": datetime.fromisoformat(clock["started_at"]).timestamp(),
                "deadline": datetime.fromisoformat(clock["deadline"]).timestamp(),
                "pending": recorded["pending"][0][0],
                "firing": recorded["firing"][0][0],
            }
            await keep_demo(client, prometheus_url, scraping_since, moments, Path(demo_out))

    # Seen through the alerts API: pending first, then firing, never the other way round.
    assert watch.states == ["pending", "firing"], watch.states
    labels = watch.last["labels"]
    assert labels["severity"] == "page"
    assert labels["complaint_severity"] == "urgent"
    assert labels["clock"] == "first_response"
    assert float(watch.last["value"]) >= 1
    # And as Prometheus recorded it in its ALERTS series.
    assert set(recorded) == {"pending", "firing"}, recorded
    pending_at, firing_at = recorded["pending"][0][0], recorded["firing"][0][0]
    assert firing_at - pending_at >= rule["duration"] > 0  # pending for the rule's whole `for:`
    assert registered_at < datetime.fromisoformat(clock["deadline"]).timestamp() < firing_at

    timeline = {
        "complaint_registered": stamp(registered_at),
        "deadline": clock["deadline"],
        "alert_active_at": watch.last["activeAt"],
        "ALERTS_pending_from": stamp(pending_at),
        "ALERTS_firing_from": stamp(firing_at),
        "pending_first_seen_by_api": stamp(watch.first_seen["pending"]),
        "firing_first_seen_by_api": stamp(watch.first_seen["firing"]),
    }
    for name, value in timeline.items():
        record_property(name, value)
    print(f"{ALERT} timeline: {json.dumps(timeline, indent=1)}")
