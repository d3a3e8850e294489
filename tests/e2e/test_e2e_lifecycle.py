"""One complaint per channel (API, inbound SMTP, signed webhook) followed through its whole
life on the real stack: graded, routed, assigned, acknowledged in time, paused while
awaiting the customer, resolved with a remedy and the customer told by e-mail, reopened by a
dissatisfied survey answer, resolved again, answered satisfied, closed and archived.

Along the way: the intake view, the SLA clocks, the audit trail (and verification), the
public stream (no personal data on it, nor on any other topic) and every service's metrics.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import time
import uuid
from email.message import EmailMessage
from typing import Any

import httpx
import orjson
import pytest
from e2e_env import E2E, SERVICES, Role, auth, metric, read_topic, record_figures, scrape

from closeloop_devstack.waiting import eventually
from closeloop_intake.config import DEV_WEBHOOK_SECRET
from closeloop_intake.domain.webhook_signature import signed_headers
from closeloop_shared.topics import COMPLAINTS_PUBLIC, MAIN_TOPICS

pytestmark = pytest.mark.e2e

SUPERVISOR = auth(Role.supervisor, sub="e2e-supervisor")
AUDITOR = auth(Role.auditor, sub="e2e-auditor")
ADMIN = auth(Role.admin, sub="e2e-admin")
LINK = re.compile(r"https?://[^\s\"'<>]+/v1/surveys/[A-Za-z0-9._~-]+")
LIFECYCLE_CHANGES = [
    "received",
    "acknowledged",
    "awaiting_customer",
    "resumed",
    "resolved",
    "reopened",
    "resolved",
    "closed",
    "archived",
]


def customers(tag: str) -> dict[str, dict[str, str]]:
    """One customer per channel; every contact detail is unique to this run."""
    return {
        "web": {
            "name": f"张伟{tag}",
            "phone": "+8613800138" + tag[:3].translate(str.maketrans("abcdef", "123456")),
            "email": f"zw.{tag}@example.com",
            "address": f"上海市人民路{tag}号",
            "customer_id": f"C-{tag}",
            "tier": "gold",
        },
        "third_party": {"name": f"李娜{tag}", "email": f"ln.{tag}@example.com"},
        "email": {"name": f"王芳{tag}", "email": f"wf.{tag}@example.com"},
    }


async def create_by_api(client: httpx.AsyncClient, e2e: E2E, customer: dict[str, str]) -> str:
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": customer,
        "description": "账单重复扣费两次，请尽快处理",
        "demand": "退还重复扣款",
        "category": "billing",
        "received_by": "agent-e2e-web",
    }
    headers = auth(Role.channel, sub="web-portal") | {"Idempotency-Key": str(uuid.uuid4())}
    reply = await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    again = await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == reply.json()["id"]
    return str(reply.json()["id"])


async def create_by_webhook(client: httpx.AsyncClient, e2e: E2E, customer: dict[str, str]) -> str:
    raw = orjson.dumps(
        {
            "customer": customer,
            "description": "快递丢失，商家不予理赔",
            "demand": "赔偿货款",
            "external_id": f"tp-{uuid.uuid4()}",
        }
    )
    signed = signed_headers(DEV_WEBHOOK_SECRET, raw, timestamp=int(time.time()))
    headers = {"Content-Type": "application/json", **signed}
    url = e2e.url("intake", "/v1/channels/webhook/review-site")
    forged = await client.post(url, content=raw, headers=headers | {"X-Closeloop-Signature": "x"})
    assert forged.status_code == 401
    reply = await client.post(url, content=raw, headers=headers)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def create_by_mail(e2e: E2E, customer: dict[str, str]) -> str:
    message = EmailMessage()
    message["From"] = f"{customer['name']} <{customer['email']}>"
    message["To"] = "complaints@closeloop.local"
    message["Subject"] = "投诉：维修人员服务态度恶劣"
    message["Message-ID"] = f"<{uuid.uuid4()}@example.com>"
    message.set_content("上门维修人员态度恶劣，还多收了上门费。请处理。")

    def send() -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", e2e.intake_smtp_port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail(customer["email"])
            smtp.rcpt("complaints@closeloop.local")
            code, answer = smtp.data(message.as_bytes())
            return int(code), bytes(answer)

    code, answer = await asyncio.to_thread(send)
    assert code == 250, answer
    found = re.search(rb"CMP-[A-Za-z0-9-]+", answer)
    assert found, f"the SMTP reply names no complaint: {answer!r}"
    return found.group().decode()


async def view(client: httpx.AsyncClient, e2e: E2E, cid: str) -> dict[str, Any]:
    reply = await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=SUPERVISOR)
    assert reply.status_code == 200, reply.text
    doc: dict[str, Any] = reply.json()
    return doc


async def clocks(client: httpx.AsyncClient, e2e: E2E, cid: str) -> dict[str, dict[str, Any]]:
    reply = await client.get(e2e.url("sla", f"/v1/sla/complaints/{cid}"), headers=SUPERVISOR)
    if reply.status_code == 404:
        return {}
    assert reply.status_code == 200, reply.text
    return {c["clock"]: c for c in reply.json()["clocks"]}


async def act(
    client: httpx.AsyncClient, e2e: E2E, cid: str, action: str, who: dict[str, str], **body: Any
) -> dict[str, Any]:
    url = e2e.url("intake", f"/v1/complaints/{cid}/{action}")
    reply = await client.post(url, json=body or None, headers=who)
    assert reply.status_code == 200, f"{action}: {reply.status_code} {reply.text}"
    doc: dict[str, Any] = reply.json()
    return doc


async def mails_to(client: httpx.AsyncClient, e2e: E2E, address: str) -> list[dict[str, Any]]:
    reply = await client.get(f"{e2e.sink_url}/messages")
    reply.raise_for_status()
    return [m for m in reply.json() if address in m.get("to", [])]


async def answer_survey(
    client: httpx.AsyncClient, e2e: E2E, address: str, used: set[str], score: int, solved: bool
) -> None:
    """Find the newest survey link mailed to ``address``, open the form and answer it."""

    async def new_link() -> str | None:
        for mail in await mails_to(client, e2e, address):
            for link in LINK.findall(mail.get("body", "")):
                if link not in used:
                    return str(link)
        return None

    link = await eventually(new_link, within=60, what=f"a survey mail to {address}")
    used.add(link)
    form = await client.get(link)
    assert form.status_code == 200 and "text/html" in form.headers["content-type"]
    assert set(re.findall(r'name="score" value="(\d)"', form.text)) == set("12345")
    action = re.search(r'<form[^>]*action="([^"]+)"', form.text)
    assert action, "the survey page has no form"
    fields = {"score": str(score), "solved": "yes" if solved else "no", "comment": "e2e"}
    posted = await client.post(httpx.URL(link).join(action.group(1)), data=fields)
    assert posted.status_code == 200, posted.text[:500]
    replay = await client.post(httpx.URL(link).join(action.group(1)), data=fields)
    assert replay.status_code == 409  # single use


async def status_is(client: httpx.AsyncClient, e2e: E2E, cid: str, status: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        doc = await view(client, e2e, cid)
        return doc if doc["status"] == status else None

    return await eventually(check, within=60, what=f"{cid} {status}")


async def live_through(client: httpx.AsyncClient, e2e: E2E, cid: str, email: str) -> None:
    """The whole life of one complaint after its creation."""

    async def routed() -> dict[str, Any] | None:
        doc = await view(client, e2e, cid)
        return doc if doc["department"] and doc["assignee"] else None

    doc = await eventually(routed, within=60, what=f"{cid} routed and assigned")
    assert doc["severity"] in ("urgent", "major", "normal", "low")
    assert doc["severity_reason"] and doc["severity_reason"] != "given by caller"
    owner = auth(Role.agent, sub=doc["assignee"], departments=(doc["department"],))
    first = await eventually(lambda: clocks(client, e2e, cid), within=60, what="clocks")
    assert first["first_response"]["state"] == "running" and first["first_response"]["deadline"]

    assert (await act(client, e2e, cid, "acknowledge", owner))["status"] == "acknowledged"

    async def answered_in_time() -> bool:
        clock = (await clocks(client, e2e, cid)).get("first_response", {})
        return clock.get("state") == "met" and clock.get("met_at") is not None

    await eventually(answered_in_time, within=60, what="first response met")

    async def projected_in_time() -> bool:
        clock = (await view(client, e2e, cid))["sla"].get("first_response", {})
        return clock.get("state") == "met" and clock.get("late") is False

    await eventually(projected_in_time, within=60, what="intake shows first response on time")

    await act(client, e2e, cid, "await-customer", owner, reason="需要客户提供发票")

    async def paused() -> bool:
        found = (await clocks(client, e2e, cid)).values()
        open_clocks = [c for c in found if c["state"] not in ("met", "cancelled")]
        return bool(open_clocks) and all(c["paused"] for c in open_clocks)

    await eventually(paused, within=60, what="open clocks paused")
    await act(client, e2e, cid, "resume", owner)

    async def resumed() -> bool:
        return not any(c["paused"] for c in (await clocks(client, e2e, cid)).values())

    await eventually(resumed, within=60, what="clocks running again")

    # Letters only: digit runs in free text may be redacted as phone numbers on the way.
    remedy = "退款一百二十元 " + cid.translate(str.maketrans("0123456789-", "ghijklmnopq"))
    resolution = {"outcome": "upheld", "basis": "核实重复扣费", "remedy": remedy}
    await act(client, e2e, cid, "resolve", owner, **resolution)

    async def told() -> bool:
        return any(remedy in m.get("body", "") for m in await mails_to(client, e2e, email))

    await eventually(told, within=60, what=f"result mail to {email}")
    used: set[str] = set()
    await answer_survey(client, e2e, email, used, score=1, solved=False)
    reopened = await status_is(client, e2e, cid, "in_progress")
    assert reopened["reopened_count"] == 1

    await act(client, e2e, cid, "resolve", owner, **resolution | {"basis": "已退款"})
    await answer_survey(client, e2e, email, used, score=5, solved=True)

    async def satisfied() -> bool:
        survey = (await view(client, e2e, cid)).get("survey") or {}
        return survey.get("state") == "answered" and survey.get("score") == 5

    await eventually(satisfied, within=60, what="satisfied answer projected")
    assert (await act(client, e2e, cid, "close", owner))["status"] == "closed"
    assert (await act(client, e2e, cid, "archive", SUPERVISOR))["status"] == "archived"


async def audit_trail(client: httpx.AsyncClient, e2e: E2E, cid: str) -> list[dict[str, Any]]:
    url = e2e.url("audit", f"/v1/audit/complaints/{cid}")
    reply = await client.get(url, headers=AUDITOR, params={"limit": 1000})
    assert reply.status_code == 200, reply.text
    entries: list[dict[str, Any]] = reply.json()["entries"]
    return entries


def changes(entries: list[dict[str, Any]]) -> list[str]:
    """Lifecycle changes recorded in an audit trail, in order."""
    prefix = "closeloop.intake.complaint."
    found = [e["event_type"].removeprefix(prefix).rsplit(".", 1)[0] for e in entries]
    return [c for c, e in zip(found, entries, strict=True) if e["event_type"].startswith(prefix)]


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


async def test_complaint_lives_through_every_stage_on_the_real_stack(e2e: E2E) -> None:
    tag = uuid.uuid4().hex[:8]
    people = customers(tag)
    async with httpx.AsyncClient(timeout=30.0) as client:
        before = {svc: await scrape(client, e2e, svc) for svc in SERVICES}
        ids = {
            "web": await create_by_api(client, e2e, people["web"]),
            "third_party": await create_by_webhook(client, e2e, people["third_party"]),
            "email": await create_by_mail(e2e, people["email"]),
        }
        for channel, cid in ids.items():
            doc = await view(client, e2e, cid)
            assert doc["channel"] == channel and doc["status"] in ("received", "acknowledged")
            assert doc["customer"]["email"] == people[channel]["email"]  # pii:read unmasks
            masked = await client.get(
                e2e.url("intake", f"/v1/complaints/{cid}"), headers=auth(Role.auditor)
            )
            assert people[channel]["email"] not in masked.text
        await asyncio.gather(
            *(live_through(client, e2e, cid, people[ch]["email"]) for ch, cid in ids.items())
        )

        for cid in ids.values():
            timeline = await client.get(
                e2e.url("intake", f"/v1/complaints/{cid}/timeline"), headers=SUPERVISOR
            )
            seen = [entry["change"] for entry in timeline.json()["entries"]]
            assert is_subsequence(LIFECYCLE_CHANGES, seen), seen

            async def audited(cid: str = cid) -> list[dict[str, Any]] | None:
                entries = await audit_trail(client, e2e, cid)
                return entries if is_subsequence(LIFECYCLE_CHANGES, changes(entries)) else None

            trail = await eventually(audited, within=60, what=f"{cid}'s whole life audited")
            seqs = [e["seq"] for e in trail]
            assert seqs == sorted(set(seqs))
            assert all(re.fullmatch(r"[0-9a-f]{64}", e["entry_hash"]) for e in trail)
            assert {e["event_type"] for e in trail} >= {
                "closeloop.routing.complaint.routed.v1",
                "closeloop.sla.clock.started.v1",
                "closeloop.feedback.survey.answered.v1",
            }
        verdict = await client.get(e2e.url("audit", "/v1/audit/verify"), headers=AUDITOR)
        assert verdict.status_code == 200 and verdict.json()["ok"] is True, verdict.text

        await check_public_stream(e2e, ids, people)
        after = {svc: await scrape(client, e2e, svc) for svc in SERVICES}
    check_metrics(before, after)
    record_figures(lifecycle_complaints=len(ids))


async def check_public_stream(
    e2e: E2E, ids: dict[str, str], people: dict[str, dict[str, str]]
) -> None:
    """The public stream tells every change and carries no personal data; no topic does."""
    wanted = set(ids.values())

    def complete(records: list[Any]) -> bool:
        archived = {
            orjson.loads(r.value)["complaint_id"]
            for r in records
            if r.value and b'"archived"' in r.value
        }
        return wanted <= archived

    public = await read_topic(e2e.bootstrap, COMPLAINTS_PUBLIC.name, until=complete, within=60)
    ours = [
        orjson.loads(r.value) for r in public if orjson.loads(r.value)["complaint_id"] in wanted
    ]
    web = [p["change"] for p in ours if p["complaint_id"] == ids["web"]]
    assert is_subsequence(LIFECYCLE_CHANGES, web), web
    assert all(p["customer_pseudonym"] for p in ours)
    secrets = [v for person in people.values() for k, v in person.items() if k != "tier"]
    for topic in MAIN_TOPICS:
        for record in await read_topic(e2e.bootstrap, topic.name):
            blob = (record.value or b"") + b"".join(v or b"" for _, v in record.headers or ())
            text = blob.decode("utf-8", "replace")
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{topic.name} carries personal data in clear text: {leaked}"


def check_metrics(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every service's metrics moved as the lifecycle says they should."""

    def delta(svc: str, name: str, **labels: str) -> float:
        return metric(after[svc], name, **labels) - metric(before[svc], name, **labels)

    for channel in ("web", "email", "third_party"):
        assert delta("intake", "closeloop_complaints_received_total", channel=channel) == 1
    assert delta("intake", "closeloop_complaint_actions_total", action="acknowledge") == 3
    assert delta("intake", "closeloop_complaint_actions_total", action="resolve") == 6
    assert delta("intake", "closeloop_complaint_actions_total", action="archive") == 3
    assert delta("routing", "closeloop_routing_decisions_total", outcome="routed") == 3
    assert delta("sla", "closeloop_sla_met_total", clock="first_response", outcome="on_time") >= 3
    assert delta("feedback", "closeloop_surveys_total", outcome="answered") == 6
    assert delta("feedback", "closeloop_surveys_total", outcome="dissatisfied") == 3
    assert delta("feedback", "closeloop_notifications_total", channel="email", result="sent") >= 9
    assert delta("audit", "closeloop_audit_entries_total") > 0
    assert metric(after["audit"], "closeloop_audit_verify_ok") == 1
