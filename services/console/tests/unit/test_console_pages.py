"""Pages against a scripted upstream (httpx MockTransport): what the console itself decides
(sign-in, CSRF, headers, role gates, where a service's answer is shown). The same pages run
against the real services in tests/e2e/test_e2e_console_browser.py."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from closeloop_console.bootstrap import bootstrap
from closeloop_console.config import ConsoleSettings
from closeloop_console.entrypoints.session import SESSION_COOKIE
from closeloop_shared.auth import Role, issue_dev_token

SETTINGS = ConsoleSettings(live_updates=False)
COMPLAINT = {
    "id": "c1",
    "version": 3,
    "status": "acknowledged",
    "channel": "phone",
    "kind": "complaint",
    "category": "billing",
    "severity": "urgent",
    "customer": {"name": "Li Lei", "phone": "+8613800138000", "pseudonym": "p", "masked": False},
    "description": "double charge",
    "demand": "",
    "received_at": "2026-12-01T00:00:00Z",
    "assignee": "li",
    "allowed_actions": ["notes", "resolve"],
    "sla": {},
}


class Upstream:
    """Answers like the five services would; ``replies`` overrides by (method, path)."""

    def __init__(self) -> None:
        self.replies: dict[tuple[str, str], httpx.Response] = {}
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = (request.method, request.url.path)
        if key in self.replies:
            return self.replies[key]
        if request.url.path == "/openapi.json":
            return httpx.Response(
                200,
                json={"paths": {"/v1/complaints": {"get": {"parameters": [{"name": "status"}]}}}},
            )
        if key == ("GET", "/v1/complaints"):
            other = {**COMPLAINT, "id": "c2", "assignee": "wang"}
            return httpx.Response(200, json={"items": [COMPLAINT, other]})
        if key == ("GET", "/v1/complaints/c1"):
            return httpx.Response(200, json=COMPLAINT)
        return httpx.Response(404, json={"error": "not_found", "message": "Not Found"})


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def client(upstream: Upstream) -> Iterator[TestClient]:
    with TestClient(bootstrap(SETTINGS, transport=httpx.MockTransport(upstream))) as c:
        yield c


@functools.cache  # one token per user: the CSRF token is bound to it
def bearer(role: Role = Role.agent, sub: str = "li") -> dict[str, str]:
    return {
        "Authorization": "Bearer "
        + issue_dev_token(SETTINGS, role=role, sub=sub, departments=("billing",))
    }


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def test_pages_need_a_session_and_send_security_headers(client: TestClient) -> None:
    anonymous = client.get("/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/signin?next=/"
    page = client.get("/", headers=bearer())
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    docs = client.get("/docs").headers["content-security-policy"]
    assert "'unsafe-inline'" in docs and "https:" not in docs  # vendored Swagger UI only


def test_dev_sign_in_sets_a_signed_http_only_same_site_cookie(client: TestClient) -> None:
    form = client.get("/signin?next=/team")
    token = csrf_of(form.text)
    refused = client.post("/signin", data={"role": "agent", "subject": "li", "csrf_token": "x"})
    assert refused.status_code == 403
    signed = client.post(
        "/signin",
        data={
            "role": "agent",
            "subject": "li",
            "departments": "billing",
            "csrf_token": token,
            "next": "/team",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/team"
    cookie = signed.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/", follow_redirects=False).status_code == 200
    client.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE][:-2] + "xx")
    assert client.get("/", follow_redirects=False).status_code == 303  # tampered: sign in again


def test_sign_in_names_a_missing_user_name(client: TestClient) -> None:
    token = csrf_of(client.get("/signin").text)
    reply = client.post("/signin", data={"role": "agent", "subject": "", "csrf_token": token})
    assert reply.status_code == 422
    assert 'id="subject-error"' in reply.text


def test_my_queue_shows_only_the_callers_complaints(client: TestClient) -> None:
    page = client.get("/?lang=en", headers=bearer())
    assert "/complaints/c1" in page.text and "/complaints/c2" not in page.text


def test_my_queue_is_live_and_its_board_is_served_alone(client: TestClient) -> None:
    page = client.get("/?lang=en", headers=bearer())
    assert 'data-queue-live="/queue/events"' in page.text
    board = client.get("/queue/board?lang=en", headers=bearer())
    assert board.status_code == 200
    assert "/complaints/c1" in board.text and "/complaints/c2" not in board.text
    assert "<html" not in board.text  # a fragment the page swaps in


def test_chinese_by_default_english_on_request(client: TestClient) -> None:
    assert "我的待办" in client.get("/", headers=bearer()).text
    english = client.get("/?lang=en", headers=bearer())
    assert "My queue" in english.text and 'lang="en"' in english.text
    assert "cl_lang=en" in english.headers["set-cookie"]


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, upstream: Upstream) -> None:
    reply = client.post("/complaints/c1/actions/notes", data={"text": "hi"}, headers=bearer())
    assert reply.status_code == 403
    assert not [r for r in upstream.seen if r.method == "POST"]


def test_a_bad_field_is_shown_next_to_it(client: TestClient, upstream: Upstream) -> None:
    upstream.replies[("POST", "/v1/complaints/c1/resolve")] = httpx.Response(
        422,
        json={
            "error": "validation_failed",
            "message": "invalid request: currency",
            "fields": [
                {"field": "currency", "problem": "String should match pattern '^[A-Z]{3}$'"}
            ],
        },
    )
    page = client.get("/complaints/c1", headers=bearer())
    token = csrf_of(page.text)
    reply = client.post(
        "/complaints/c1/actions/resolve",
        data={
            "csrf_token": token,
            "version": "3",
            "outcome": "upheld",
            "basis": "b",
            "currency": "rmb",
        },
        headers=bearer(),
    )
    assert reply.status_code == 422
    assert re.search(r'id="resolve-f-currency-error">String should match pattern', reply.text)
    sent = [r for r in upstream.seen if r.method == "POST"][-1]
    assert sent.headers["if-match"] == '"3"'


def test_a_stale_version_says_changed_by_someone_else(
    client: TestClient, upstream: Upstream
) -> None:
    upstream.replies[("POST", "/v1/complaints/c1/notes")] = httpx.Response(
        409,
        json={
            "error": "version_conflict",
            "message": "the complaint changed",
            "current_version": 4,
        },
    )
    token = csrf_of(client.get("/complaints/c1", headers=bearer()).text)
    reply = client.post(
        "/complaints/c1/actions/notes?lang=en",
        data={"csrf_token": token, "version": "3", "text": "hello"},
        headers=bearer(),
    )
    assert reply.status_code == 409
    assert "Changed by someone else" in reply.text


def test_a_complaint_links_its_possible_duplicates(client: TestClient, upstream: Upstream) -> None:
    upstream.replies[("GET", "/v1/complaints/c1")] = httpx.Response(
        200, json={**COMPLAINT, "possible_duplicates": ["c0"]}
    )
    page = client.get("/complaints/c1?lang=en", headers=bearer())
    assert "Possible duplicates" in page.text and 'href="/complaints/c0"' in page.text


def test_contact_data_is_masked_until_intake_reveals_it(
    client: TestClient, upstream: Upstream
) -> None:
    page = client.get("/complaints/c1", headers=bearer())
    assert "+8613800138000" not in page.text and "8000" in page.text
    reveal_path = ("POST", "/v1/complaints/c1/contact/reveal")
    upstream.replies[reveal_path] = httpx.Response(
        200, json={"name": "Li Lei", "phone": "+8613800138000"}
    )
    revealed = client.post(
        "/complaints/c1/reveal", data={"csrf_token": csrf_of(page.text)}, headers=bearer()
    )
    assert "+8613800138000" in revealed.text
    # the reveal went through intake (which records it in the audit log), as the user
    [call] = [r for r in upstream.seen if (r.method, r.url.path) == reveal_path]
    assert call.headers["Authorization"] == bearer()["Authorization"]


def test_a_reveal_intake_refuses_stays_masked(client: TestClient, upstream: Upstream) -> None:
    page = client.get("/complaints/c1", headers=bearer())
    upstream.replies[("POST", "/v1/complaints/c1/contact/reveal")] = httpx.Response(
        403, json={"error": "pii_read_required", "message": "needs pii:read"}
    )
    refused = client.post(
        "/complaints/c1/reveal", data={"csrf_token": csrf_of(page.text)}, headers=bearer()
    )
    assert refused.status_code == 403
    assert "+8613800138000" not in refused.text and "8000" in refused.text


def test_admin_is_forbidden_to_agents(client: TestClient) -> None:
    reply = client.get("/admin?lang=en", headers=bearer(Role.agent))
    assert reply.status_code == 403 and "This page is for administrators." in reply.text
    assert client.get("/admin", headers=bearer(Role.admin, "root")).status_code == 200


def test_admin_json_is_validated_then_the_services_problems_listed(
    client: TestClient, upstream: Upstream
) -> None:
    admin = bearer(Role.admin, "root")
    token = csrf_of(client.get("/admin", headers=admin).text)
    bad_json = client.post(
        "/admin/policies", data={"csrf_token": token, "document": "{"}, headers=admin
    )
    assert bad_json.status_code == 422 and "not valid JSON" in bad_json.text
    upstream.replies[("PUT", "/v1/sla/policies")] = httpx.Response(
        422,
        json={
            "error": "validation_failed",
            "message": "bad",
            "fields": [{"field": "policies.0.targets", "problem": "must not be empty"}],
        },
    )
    refused = client.post(
        "/admin/policies", data={"csrf_token": token, "document": "{}"}, headers=admin
    )
    assert refused.status_code == 422
    assert "policies.0.targets: must not be empty" in refused.text


@pytest.mark.parametrize(
    ("path", "needs"),
    [("/at-risk", "/v1/sla/at-risk"), ("/notifications", "/v1/notifications")],
)
def test_missing_upstream_endpoints_show_a_not_available_panel(
    client: TestClient, path: str, needs: str
) -> None:
    page = client.get(path + "?lang=en", headers=bearer(Role.supervisor, "boss"))
    assert page.status_code == 200
    assert "Not available" in page.text and needs in page.text


def test_lookup_is_not_available_while_intake_does_not_offer_it(
    client: TestClient, upstream: Upstream
) -> None:
    page = client.get("/lookup?phone=13800138000&lang=en", headers=bearer())
    assert "Not available" in page.text and "/complaints/c1" not in page.text
    assert not [r for r in upstream.seen if r.url.params.get("phone")]


def test_team_offers_take_on_queued_and_assign_to_supervisors(
    client: TestClient, upstream: Upstream
) -> None:
    queued = {**COMPLAINT, "id": "q1", "assignee": None}
    upstream.replies[("GET", "/v1/complaints")] = httpx.Response(
        200, json={"items": [queued, COMPLAINT]}
    )
    agent = client.get("/team?lang=en", headers=bearer()).text
    assert 'action="/team/q1/take"' in agent and 'action="/team/c1/take"' not in agent
    assert "/assign" not in agent
    lead = client.get("/team?lang=en", headers=bearer(Role.supervisor, "boss")).text
    assert 'action="/team/q1/assign"' in lead and 'action="/team/c1/assign"' in lead


def test_team_shows_a_page_most_urgent_first_and_follows_intakes_cursor(
    client: TestClient, upstream: Upstream
) -> None:
    upstream.replies[("GET", "/v1/complaints")] = httpx.Response(
        200, json={"items": [COMPLAINT], "next_cursor": "abc="}
    )
    first = client.get("/team?department=billing&lang=en", headers=bearer()).text
    asked = [r for r in upstream.seen if r.url.path == "/v1/complaints"][-1].url.params
    assert (asked["sort"], asked["limit"], asked["department"]) == ("deadline", "50", "billing")
    assert "cursor" not in asked
    assert 'cursor=abc%3D" rel="next"' in first and "Most urgent first" not in first
    client.get("/team?department=billing&cursor=abc%3D&lang=en", headers=bearer())
    asked = [r for r in upstream.seen if r.url.path == "/v1/complaints"][-1].url.params
    assert asked["cursor"] == "abc="
    upstream.replies[("GET", "/v1/complaints")] = httpx.Response(200, json={"items": [COMPLAINT]})
    last = client.get("/team?department=billing&cursor=abc%3D&lang=en", headers=bearer()).text
    assert 'rel="next"' not in last and "Most urgent first" in last


def test_take_against_a_routing_without_it_says_not_available(client: TestClient) -> None:
    page = client.get("/team", headers=bearer())
    reply = client.post(
        "/team/c1/take",
        data={"csrf_token": csrf_of(page.text), "department": "billing"},
        headers=bearer(),
        follow_redirects=True,
    )
    assert "outcome=unavailable" in str(reply.url)


@pytest.mark.parametrize(
    "kpi",
    [
        {
            "group_by": "department",
            "groups": [{"department": "billing", "on_time_ratio": 0.9, "p50": {"first": 60}}],
        },
        {"group_by": "department", "totals": {"count": 3}},
        [{"department": "billing", "on_time_ratio": 0.9}],
    ],
)
def test_reports_render_kpis_of_any_shape(client: TestClient, upstream: Upstream, kpi: Any) -> None:
    upstream.replies[("GET", "/v1/reports/kpi")] = httpx.Response(200, json=kpi)
    upstream.replies[("GET", "/v1/reports/daily")] = httpx.Response(
        200, json={"date": "2026-12-03", "by_category": {"billing": 4, "other": 2}}
    )
    page = client.get("/reports?lang=en", headers=bearer(Role.supervisor, "boss"))
    assert page.status_code == 200
    assert '<meter min="0" max="100" value="50"' in page.text  # other: 2 of the top 4
    if isinstance(kpi, list) or "groups" in kpi:
        assert "<td>0.9</td>" in page.text


def test_a_lookup_runs_once_intake_offers_it_and_its_url_never_reaches_the_logs(
    client: TestClient, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    spec = {"paths": {"/v1/complaints": {"get": {"parameters": [{"name": "phone"}]}}}}
    upstream.replies[("GET", "/openapi.json")] = httpx.Response(200, json=spec)
    with caplog.at_level(logging.DEBUG):
        page = client.get("/lookup?phone=13800138000&lang=en", headers=bearer())
    assert [r.url.params["phone"] for r in upstream.seen if "phone" in r.url.params] == [
        "13800138000"
    ]
    assert "/complaints/c1" in page.text and "Not available" not in page.text
    assert "13800138000" not in caplog.text


def test_registering_a_phone_complaint_opens_it(client: TestClient, upstream: Upstream) -> None:
    upstream.replies[("POST", "/v1/complaints")] = httpx.Response(
        201, json={**COMPLAINT, "id": "c9"}
    )
    token = csrf_of(client.get("/new", headers=bearer()).text)
    form = {"csrf_token": token, "channel": "phone", "kind": "complaint",
            "customer.phone": "138 0013 8000", "description": "line cut"}  # fmt: skip
    reply = client.post("/new", data=form, headers=bearer(), follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/complaints/c9"
    sent = [r for r in upstream.seen if r.method == "POST"][-1]
    assert json.loads(sent.content) == {
        "channel": "phone", "kind": "complaint", "customer": {"phone": "138 0013 8000"},
        "description": "line cut", "received_by": "li",
    }  # fmt: skip
