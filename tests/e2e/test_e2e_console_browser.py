"""The console in a real headless Chromium (Debian's package, driven by Playwright through
``executable_path``; no browser is ever downloaded) against the session's real stack.

An agent signs in on the dev page, sees a complaint assigned to them appear in their queue
without a reload, opens it, acknowledges it, adds a note and resolves it, and the survey
mail reaches the SMTP sink; a supervisor's at-risk board turns a second-scale clock amber,
then red, without a reload; a lookup by a phone number written differently than at
registration finds the caller's history; a bad phone number on /new shows intake's message
next to the field; an agent gets the 403 page on /admin; axe-core (vendored, injected into
each page) finds no serious or critical violation on the main pages. Screenshots of the main
pages are written to docs/img/.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_env import E2E, ROOT, Role, auth, read_topic
from playwright.async_api import Browser, Page, async_playwright, expect

from closeloop_devstack.waiting import eventually
from closeloop_shared.events.envelope import InvalidEvent, decode_event
from closeloop_shared.topics import ROUTING_EVENTS

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "services" / "console" / "tests" / "axe-4.11.4.min.js"
SHOTS = ROOT / "docs" / "img"
ADMIN = auth(Role.admin, sub="e2e-console-admin")
SURVEY_LINK = re.compile(r"https?://[^\s\"'<>]+/v1/surveys/[A-Za-z0-9._~-]+")
ASSIGNED = "closeloop.routing.complaint.assigned.v1"
PLACED = {ASSIGNED, "closeloop.routing.complaint.queued.v1"}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        pytest.fail("Debian's chromium is required: make tools (apt-get install chromium)")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        await launched.close()


async def new_page(browser: Browser, lang: str = "en", *, strict_csp: bool = False) -> Page:
    """A page in a fresh context. bypass_csp only lets the test inject axe-core; a
    ``strict_csp`` page keeps the console's policy and records every violation."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 860},
        locale="en-US" if lang == "en" else "zh-CN",
        bypass_csp=not strict_csp,
    )
    page = await context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    setattr(page, "csp_violations", violations)  # noqa: B010 - test bookkeeping on the page
    return page


async def sign_in(page: Page, e2e: E2E, role: str, subject: str, departments: str = "") -> None:
    await page.goto(e2e.url("console", "/signin?lang=en"))
    await page.get_by_label("Role").select_option(role)
    await page.get_by_label("User name").fill(subject)
    await page.get_by_label("Departments (comma-separated)").fill(departments)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(e2e.url("console", "/"))


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page."""
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def register(e2e: E2E, tag: str, **customer: str) -> str:
    """A complaint registered through intake's API (``customer`` overrides contact fields)."""
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {
            "name": f"陈静{tag}",
            "phone": "+8613900139000",
            "email": f"cj.{tag}@example.com",
        }
        | customer,
        "description": f"账单重复扣费 {tag}",
        "demand": "退款",
        "category": "billing",
    }
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.post(
            e2e.url("intake", "/v1/complaints"),
            json=body,
            headers=auth(Role.channel, sub="web-portal"),
        )
    assert reply.status_code == 201, reply.text
    cid: str = reply.json()["id"]
    return cid


async def routed(e2e: E2E, cid: str) -> dict[str, Any]:
    """The complaint once routing has assigned it."""
    async with httpx.AsyncClient(timeout=30) as client:

        async def assigned() -> dict[str, Any] | None:
            doc = await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=ADMIN)
            found: dict[str, Any] = doc.json()
            return found if found.get("assignee") and found.get("department") else None

        return await eventually(assigned, within=60, what=f"{cid} routed and assigned")


async def routed_complaint(e2e: E2E, tag: str) -> dict[str, Any]:
    """A complaint registered through the API and assigned by routing."""
    return await routed(e2e, await register(e2e, tag))


async def placements(e2e: E2E, cid: str, *, until_owner: str | None = None) -> list[dict[str, Any]]:
    """Routing's assigned/queued events of ``cid`` on routing.events.v1 (``type`` and
    ``data``): the first one, or (with ``until_owner``) up to an assignment to them."""

    def of_cid(records: list[Any]) -> list[dict[str, Any]]:
        found = []
        for record in records:
            try:
                event = decode_event(record.value, record.headers)
            except InvalidEvent:
                continue
            data = event.data.model_dump(mode="json")
            if event.type in PLACED and data.get("complaint_id") == cid:
                found.append({"type": event.type, "data": data})
        return found

    def done(records: list[Any]) -> bool:
        found = of_cid(records)
        if until_owner is None:
            return bool(found)
        return any(
            e["type"] == ASSIGNED and e["data"].get("assignee") == until_owner for e in found
        )

    got = await read_topic(e2e.bootstrap, ROUTING_EVENTS.name, until=done, within=60)
    found = of_cid(got)
    assert done(got), f"no placement of {cid} on {ROUTING_EVENTS.name}: {found}"
    return found


async def assign_to(e2e: E2E, cid: str, agent: str, department: str) -> None:
    """Make ``agent`` the owner of ``cid`` and return once routing announced it: routing
    places the complaint first (on whomever it picks); a supervisor then assigns it to
    ``agent`` unless routing already did."""
    first = (await placements(e2e, cid))[0]
    if first["type"] == ASSIGNED and first["data"]["assignee"] == agent:
        return
    supervisor = auth(Role.supervisor, sub="e2e-console-lead", departments=(department,))
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.post(
            e2e.url("routing", f"/v1/complaints/{cid}/assign"),
            json={"agent": agent, "reason": "e2e: the console's live queue"},
            headers=supervisor,
        )
    assert reply.status_code == 200, reply.text
    await placements(e2e, cid, until_owner=agent)


async def survey_mails(e2e: E2E, address: str) -> list[str]:
    """The survey links mailed to ``address`` (one entry per mail that carries one)."""
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.get(f"{e2e.sink_url}/messages")
    reply.raise_for_status()
    return [
        link
        for mail in reply.json()
        if address in mail.get("to", [])
        for link in SURVEY_LINK.findall(mail.get("body", ""))[:1]
    ]


async def test_an_agent_works_a_complaint_in_the_browser(e2e: E2E, browser: Browser) -> None:
    """A complaint assigned to the agent appears in their open queue within 2 s of routing's
    assignment event, without a reload; they acknowledge it, add a note and resolve it, and
    exactly one survey mail reaches the SMTP sink."""
    tag = uuid.uuid4().hex[:6]
    earlier = await routed_complaint(e2e, f"{tag}a")
    agent, department = earlier["assignee"], earlier["department"]
    page = await new_page(browser)
    await sign_in(page, e2e, "agent", agent, department)
    await page.locator('[data-live-status][title="live"]').wait_for(timeout=10_000)
    await page.evaluate("window.stayed = true")

    email = f"queue.{tag}@example.com"
    cid = await register(e2e, tag, email=email)
    await assign_to(e2e, cid, agent, department)  # returns once the event is on the topic
    row = page.locator(f'a[href="/complaints/{cid}"]')
    await expect(row).to_be_visible(timeout=2000)
    assert await page.evaluate("window.stayed === true"), "the queue page reloaded"
    await page.screenshot(path=str(SHOTS / "console-queue.png"), full_page=True)
    assert await serious_violations(page) == []

    await row.click()
    await page.wait_for_url(e2e.url("console", f"/complaints/{cid}"))
    assert "+8613900139000" not in await page.content()  # masked until revealed
    await page.locator("#action-acknowledge summary").click()
    await page.locator("#action-acknowledge button[type=submit]").click()
    await page.wait_for_url(f"**/complaints/{cid}?done=acknowledge")
    assert "acknowledged" in (await page.locator("h1 .status").inner_text()).lower()

    await page.locator("#action-notes summary").click()
    await page.get_by_label("note text").fill("Called the customer; refund requested from billing.")
    await page.locator("#action-notes button[type=submit]").click()
    await page.wait_for_url(f"**/complaints/{cid}?done=notes")
    await page.get_by_text("Called the customer; refund requested from billing.").wait_for()
    await page.screenshot(path=str(SHOTS / "console-complaint.png"), full_page=True)
    assert await serious_violations(page) == []

    await page.locator("#action-resolve summary").click()
    await page.locator("#action-resolve [name=outcome]").select_option("upheld")
    await page.locator("#action-resolve [name=basis]").fill("Double charge confirmed")
    await page.locator("#action-resolve button[type=submit]").click()
    await page.wait_for_url(f"**/complaints/{cid}?done=resolve")
    assert "resolved" in (await page.locator("h1 .status").inner_text()).lower()

    async with httpx.AsyncClient(timeout=30) as client:
        stored = (
            await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=ADMIN)
        ).json()
    assert stored["status"] == "resolved"
    assert stored["assignee"] == agent

    async def surveyed() -> list[str] | None:
        return await survey_mails(e2e, email) or None

    await eventually(surveyed, within=60, what=f"a survey mail to {email}")
    await asyncio.sleep(2)  # a duplicate would follow the first one closely
    assert len(await survey_mails(e2e, email)) == 1


async def test_a_bad_field_shows_the_services_message_next_to_it(
    e2e: E2E, browser: Browser
) -> None:
    page = await new_page(browser)
    await sign_in(page, e2e, "agent", "e2e-console-agent", "customer_service")
    await page.goto(e2e.url("console", "/new"))
    await page.get_by_label("Phone").fill("not-a-phone")
    await page.get_by_label("description").fill("The line was cut three times.")
    await page.get_by_role("button", name="Register").click()
    message = page.locator("#f-customer-phone-error")
    await message.wait_for(timeout=5000)
    assert "pattern" in (await message.inner_text()).lower()
    assert await page.get_by_label("Phone").get_attribute("aria-invalid") == "true"
    await page.screenshot(path=str(SHOTS / "console-new-invalid.png"), full_page=True)
    assert await serious_violations(page) == []


async def test_an_agent_cannot_open_admin(e2e: E2E, browser: Browser) -> None:
    page = await new_page(browser)
    await sign_in(page, e2e, "agent", "e2e-console-agent", "customer_service")
    reply = await page.goto(e2e.url("console", "/admin"))
    assert reply is not None and reply.status == 403
    assert "This page is for administrators." in await page.content()


async def test_main_pages_have_no_serious_accessibility_violations(
    e2e: E2E, browser: Browser
) -> None:
    page = await new_page(browser)
    await sign_in(page, e2e, "admin", "e2e-console-admin", "")
    found: dict[str, list[dict[str, Any]]] = {}
    for path, shot in [
        ("/team", "console-team.png"),
        ("/at-risk", "console-at-risk.png"),
        ("/lookup", "console-lookup.png"),
        ("/notifications", "console-notifications.png"),
        ("/reports", "console-reports.png"),
        ("/admin", "console-admin.png"),
        ("/new", "console-new.png"),
    ]:
        reply = await page.goto(e2e.url("console", path))
        assert reply is not None and reply.status == 200, path
        await page.screenshot(path=str(SHOTS / shot), full_page=True)
        found[path] = await serious_violations(page)
    zh = await new_page(browser, lang="zh")
    await sign_in(zh, e2e, "admin", "e2e-console-admin", "")
    await zh.goto(e2e.url("console", "/?lang=zh-CN"))
    assert "我的待办" in await zh.content()
    await zh.screenshot(path=str(SHOTS / "console-queue-zh.png"), full_page=True)
    found["/ (zh-CN)"] = await serious_violations(zh)
    assert {p: v for p, v in found.items() if v} == {}


async def test_pages_keep_their_content_security_policy(e2e: E2E, browser: Browser) -> None:
    """Every script and style comes from the console itself: no page breaks its own CSP."""
    page = await new_page(browser, strict_csp=True)
    await sign_in(page, e2e, "admin", "e2e-console-admin", "")
    for path in (
        "/",
        "/team",
        "/at-risk",
        "/new",
        "/lookup",
        "/notifications",
        "/reports",
        "/admin",
    ):
        reply = await page.goto(e2e.url("console", path))
        assert reply is not None and reply.status == 200, path
        assert "frame-ancestors 'none'" in (reply.headers.get("content-security-policy") or "")
    await page.keyboard.press("?")
    assert await page.locator("#shortcuts").is_visible()
    assert page.csp_violations == []  # type: ignore[attr-defined]


async def test_two_people_on_one_complaint_see_each_other(e2e: E2E, browser: Browser) -> None:
    """ "Li is viewing", "Li is editing" live, and an action by one refreshes the other."""
    doc = await routed_complaint(e2e, uuid.uuid4().hex[:6])
    cid, agent, department = doc["id"], doc["assignee"], doc["department"]
    owner = await new_page(browser)
    await sign_in(owner, e2e, "agent", agent, department)
    await owner.goto(e2e.url("console", f"/complaints/{cid}"))
    lead = await new_page(browser)
    await sign_in(lead, e2e, "supervisor", "lead-li", department)
    await lead.goto(e2e.url("console", f"/complaints/{cid}"))

    status = owner.locator("#presence")
    await owner.get_by_text("lead-li is viewing").wait_for(timeout=10_000)
    await lead.get_by_text(f"{agent} is viewing").wait_for(timeout=10_000)
    await lead.locator("#action-notes summary").click()
    await lead.get_by_label("note text").focus()
    await owner.get_by_text("lead-li is editing").wait_for(timeout=10_000)
    await lead.get_by_label("note text").fill("Supervisor: refund approved.")
    await lead.locator("#action-notes button[type=submit]").click()
    # the owner's page, idle, reloads itself: the note is there and so is lead-li again
    await owner.get_by_text("Supervisor: refund approved.").wait_for(timeout=10_000)
    await owner.get_by_text("lead-li is viewing").wait_for(timeout=10_000)
    assert "lead-li is viewing" in await status.inner_text()


async def add_policy(e2e: E2E, policy: dict[str, Any]) -> None:
    """PUT sla's policies with ``policy`` added, through its admin API."""
    async with httpx.AsyncClient(timeout=30) as client:
        current = (await client.get(e2e.url("sla", "/v1/sla/policies"), headers=ADMIN)).json()
        kept = [{k: v for k, v in p.items() if k != "version"} for p in current["policies"]]
        body = {"policies": [p for p in kept if p["id"] != policy["id"]] + [policy]}
        reply = await client.put(e2e.url("sla", "/v1/sla/policies"), json=body, headers=ADMIN)
    assert reply.status_code == 200, reply.text


async def first_response_clock(e2e: E2E, cid: str) -> dict[str, Any] | None:
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.get(e2e.url("sla", f"/v1/sla/complaints/{cid}"), headers=ADMIN)
    if reply.status_code == 404:
        return None
    assert reply.status_code == 200, reply.text
    found = [c for c in reply.json()["clocks"] if c["clock"] == "first_response"]
    return found[0] if found else None


async def test_the_at_risk_board_turns_amber_then_red_without_a_reload(
    e2e: E2E, browser: Browser
) -> None:
    """A second-scale policy (matched by a customer tier of this test alone, so no other test
    is affected) warns at half its 40 s and breaches at its end; the supervisor's board
    shows both, pushed by the SLA events, and the page never navigates."""
    tag = uuid.uuid4().hex[:8]
    tier = f"e2equick{tag}"
    await add_policy(
        e2e,
        {
            "id": tier,
            "priority": 100,
            "match": {"tiers": [tier]},
            "clocks": [
                {"clock": "first_response", "target": "PT40S", "calendar": "24x7", "warn_at": [0.5]}
            ],
        },
    )
    cid = await register(e2e, tag, tier=tier)

    async def armed() -> dict[str, Any] | None:
        return await first_response_clock(e2e, cid)

    clock = await eventually(armed, within=60, what=f"{cid}'s first-response clock")
    assert clock["policy_id"] == tier, clock
    department = (await routed(e2e, cid))["department"]

    page = await new_page(browser)
    await sign_in(page, e2e, "supervisor", "e2e-console-lead", department)
    await page.goto(e2e.url("console", "/at-risk?within=PT30M"))
    await page.locator('[data-live-status][title="live"]').wait_for(timeout=10_000)
    await page.evaluate("window.stayed = true")
    row = page.locator(f'tr[data-clock="{cid}/first_response"]')
    await expect(row).to_have_class(re.compile(r"\btone-ok\b"), timeout=10_000)

    await expect(row).to_have_class(re.compile(r"\btone-warning\b"), timeout=60_000)
    await expect(row).to_have_class(re.compile(r"\btone-breach\b"), timeout=60_000)
    pushed = page.locator(f'#feed li[data-complaint="{cid}"]')
    await expect(pushed.and_(page.locator("[data-state=warned]"))).to_have_count(1)
    await expect(pushed.and_(page.locator("[data-state=breached]"))).to_have_count(1)
    assert await page.evaluate("window.stayed === true"), "the board reloaded"
    await page.screenshot(path=str(SHOTS / "console-at-risk-live.png"), full_page=True)


async def test_a_lookup_by_a_differently_written_phone_finds_the_history(
    e2e: E2E, browser: Browser
) -> None:
    tag = uuid.uuid4().hex[:6]
    digits = f"{uuid.uuid4().int % 10**8:08d}"
    doc = await routed(e2e, await register(e2e, tag, phone=f"+86139{digits}"))
    cid = doc["id"]
    page = await new_page(browser)
    await sign_in(page, e2e, "agent", doc["assignee"], doc["department"])
    for written in (f"139 {digits[:4]} {digits[4:]}", f"0086-139-{digits[:4]}-{digits[4:]}"):
        await page.goto(e2e.url("console", "/lookup"))
        await page.locator("#q-phone").fill(written)
        await page.get_by_role("button", name="Find").click()
        await page.wait_for_url("**/lookup?**")
        await expect(page.locator(f'#r-title ~ ul a[href="/complaints/{cid}"]')).to_have_count(
            1, timeout=10_000
        )
    await page.screenshot(path=str(SHOTS / "console-lookup-history.png"), full_page=True)
    assert await serious_violations(page) == []
