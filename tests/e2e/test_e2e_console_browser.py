"""The console in a real headless Chromium (Debian's package, driven by Playwright through
``executable_path``; no browser is ever downloaded) against the session's real stack.

An agent signs in on the dev page, finds the complaint routed to them in their queue, opens
it, acknowledges it and adds a note; a bad phone number on /new shows intake's message next
to the field; an agent gets the 403 page on /admin; axe-core (vendored, injected into each
page) finds no serious or critical violation on the main pages. Screenshots of the main
pages are written to docs/img/.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_env import E2E, ROOT, Role, auth
from playwright.async_api import Browser, Page, async_playwright

from closeloop_devstack.waiting import eventually

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


async def routed_complaint(e2e: E2E, tag: str) -> dict[str, Any]:
    """A complaint registered through the API and assigned by routing."""
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {
            "name": f"陈静{tag}",
            "phone": "+8613900139000",
            "email": f"cj.{tag}@example.com",
        },
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
        cid = reply.json()["id"]

        async def assigned() -> dict[str, Any] | None:
            doc = await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=ADMIN)
            found: dict[str, Any] = doc.json()
            return found if found.get("assignee") and found.get("department") else None

        return await eventually(assigned, within=60, what=f"{cid} routed and assigned")


async def test_an_agent_works_a_complaint_in_the_browser(e2e: E2E, browser: Browser) -> None:
    doc = await routed_complaint(e2e, uuid.uuid4().hex[:6])
    cid, agent, department = doc["id"], doc["assignee"], doc["department"]
    page = await new_page(browser)
    await sign_in(page, e2e, "agent", agent, department)

    row = page.locator(f'a[href="/complaints/{cid}"]')
    await row.wait_for(timeout=5000)
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

    async with httpx.AsyncClient(timeout=30) as client:
        stored = (
            await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=ADMIN)
        ).json()
    assert stored["status"] == "acknowledged"


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
