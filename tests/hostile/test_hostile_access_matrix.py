# ruff: noqa: E501 - the matrix is a table; its rows stay one line each
"""The access-control matrix: every endpoint of every service × every kind of caller.

Columns: no token, an expired token, a token signed with the wrong key, then one valid
token per role; ``dept`` is a department user of the complaint's department and ``other``
one of another department. Each cell is the answer the contract and architecture.md
(Security: roles) require:

- ``2xx``   served;
- ``allow`` authorised: anything but 401/403/404 and 5xx (e.g. 409 when a lifecycle action
  does not fit the complaint's state at that moment);
- ``401`` / ``403`` / ``404`` exactly that (404: a department user never learns that another
  department's complaint exists, whatever the action).

The table must list every operation the services publish in /openapi.json (apart from
health, metrics and the public survey form, whose signed link is the permission).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from e2e_env import E2E, SERVICES, Role, auth, record_figures

from closeloop_devstack.spec_diff import ResponseRecorder, spec_problems
from closeloop_devstack.waiting import eventually
from closeloop_shared.settings import ServiceSettings

pytestmark = pytest.mark.e2e

COLUMNS = (
    "none",
    "expired",
    "forged",
    "channel",
    "agent",
    "super",
    "dept",
    "other",
    "auditor",
    "admin",
)
MATRIX = """
intake   POST /v1/complaints                              -              401 401 401 2xx 2xx   2xx   403   403 403 2xx
intake   GET  /v1/complaints                              -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
intake   GET  /v1/complaints/{complaint_id}               -              401 401 401 403 2xx   2xx   2xx   404 2xx 2xx
intake   GET  /v1/complaints/{complaint_id}/timeline      -              401 401 401 403 2xx   2xx   2xx   404 2xx 2xx
intake   POST /v1/complaints/{complaint_id}/contact/reveal -             401 401 401 403 2xx   2xx   403   404 403 2xx
intake   POST /v1/complaints/{complaint_id}/notes         notes          401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/acknowledge   acknowledge    401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/start         start          401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/contact       contact        401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/await-customer await-customer 401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/resume        resume         401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/resolve       resolve        401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/extend        extend         401 401 401 403 allow allow allow 404 403 allow
intake   POST /v1/complaints/{complaint_id}/reopen        reopen         401 401 401 403 allow allow 403   404 403 allow
intake   POST /v1/complaints/{complaint_id}/close         close          401 401 401 403 allow allow 403   404 403 allow
intake   POST /v1/complaints/{complaint_id}/archive       archive        401 401 401 403 403   allow 403   404 403 allow
intake   POST /v1/channels/webhook/{source}               -              401 401 401 401 401   401   401   401 401 401
routing  GET  /v1/routing/rules                           -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
routing  PUT  /v1/routing/rules                           -              401 401 401 403 403   403   403   403 403 2xx
routing  GET  /v1/routing/departments                     -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
routing  PUT  /v1/routing/departments                     -              401 401 401 403 403   403   403   403 403 2xx
routing  GET  /v1/routing/agents                          -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
routing  GET  /v1/routing/agents/{agent_id}               -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
routing  PUT  /v1/routing/agents/{agent_id}               -              401 401 401 403 2xx   2xx   403   403 403 2xx
routing  GET  /v1/routing/complaints/{complaint_id}       -              401 401 401 403 2xx   2xx   2xx   404 2xx 2xx
routing  POST /v1/complaints/{complaint_id}/transfer      -              401 401 401 403 allow allow 403   403 403 allow
routing  POST /v1/complaints/{complaint_id}/take          -              401 401 401 403 allow 403   403   403 403 403
routing  POST /v1/complaints/{complaint_id}/assign        -              401 401 401 403 403   allow 403   403 403 allow
sla      GET  /v1/sla/complaints/{complaint_id}           -              401 401 401 403 2xx   2xx   2xx   404 403 2xx
sla      GET  /v1/sla/at-risk                             -              401 401 401 403 2xx   2xx   2xx   2xx 403 2xx
sla      GET  /v1/sla/policies                            -              401 401 401 403 2xx   2xx   2xx   2xx 403 2xx
sla      PUT  /v1/sla/policies                            -              401 401 401 403 403   2xx   403   403 403 2xx
sla      POST /v1/sla/policies/reapply                    -              401 401 401 403 403   2xx   403   403 403 2xx
sla      GET  /v1/sla/calendars                           -              401 401 401 403 2xx   2xx   2xx   2xx 403 2xx
sla      PUT  /v1/sla/calendars                           -              401 401 401 403 403   2xx   403   403 403 2xx
feedback GET  /v1/complaints/{complaint_id}/surveys       -              401 401 401 403 2xx   2xx   2xx   404 403 2xx
feedback POST /v1/surveys/{survey_id}/phone-answer        -              401 401 401 403 allow allow 403   403 403 allow
feedback GET  /v1/complaints/{complaint_id}/notifications -              401 401 401 403 2xx   2xx   2xx   404 403 2xx
feedback GET  /v1/callback-tasks                          -              401 401 401 403 2xx   2xx   403   403 403 2xx
feedback POST /v1/callback-tasks/{task_id}/complete       -              401 401 401 403 404   404   403   403 403 404
feedback GET  /v1/reports/kpi                             -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
feedback GET  /v1/reports/daily                           -              401 401 401 403 2xx   2xx   2xx   2xx 2xx 2xx
feedback POST /v1/reports/daily/run                       -              401 401 401 403 403   403   403   403 403 2xx
feedback GET  /v1/reports/improvements                    -              401 401 401 403 403   2xx   403   403 403 2xx
feedback POST /v1/reports/improvements                    -              401 401 401 403 403   2xx   403   403 403 2xx
feedback GET  /v1/reports/service                         -              401 401 401 403 403   2xx   403   403 2xx 2xx
feedback GET  /v1/notifications                          -              401 401 401 403 2xx   2xx   2xx   2xx 403 2xx
feedback POST /v1/notifications/{notification_id}/read   -              401 401 401 403 404   404   404   404 403 404
feedback POST /v1/sms/receipts                          -              401 401 401 401 401   401   401   401 401 401
audit    GET  /v1/audit/complaints/{complaint_id}         -              401 401 401 403 403   403   403   403 2xx 2xx
audit    GET  /v1/audit/verify                            -              401 401 401 403 403   403   403   403 2xx 2xx
audit    GET  /v1/audit/public-key                        -              401 401 401 2xx 2xx   2xx   2xx   2xx 2xx 2xx
audit    GET  /v1/audit/checkpoints/latest                -              401 401 401 403 403   403   403   403 2xx 2xx
audit    GET  /v1/audit/checkpoints                       -              401 401 401 403 403   403   403   403 2xx 2xx
audit    GET  /v1/audit/proofs/consistency                -              401 401 401 403 403   403   403   403 allow allow
audit    GET  /v1/audit/proofs/{seq}                      -              401 401 401 403 403   403   403   403 allow allow
"""
# Agents act only on complaints of their departments, or that they own or first received
# (issue 17). Columns: an agent of the complaint's department who does not own it, and an
# agent of another department who neither owns nor received it (reading stays open to
# agents; acting is refused with 403).
AGENT_SCOPE_COLUMNS = ("agent-dept", "agent-other")
AGENT_SCOPE = """
intake   GET  /v1/complaints/{complaint_id}               -              2xx   2xx
intake   POST /v1/complaints/{complaint_id}/{action}      notes          allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      acknowledge    allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      start          allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      contact        allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      await-customer allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      resume         allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      resolve        allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      extend         allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      reopen         allow 403
intake   POST /v1/complaints/{complaint_id}/{action}      close          allow 403
"""
# Served without a bearer token on purpose (liveness, scraping, the customer's survey link).
PUBLIC = {"/healthz", "/readyz", "/metrics", "/v1/surveys/{token}"}


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    template: str
    variant: str
    expected: tuple[str, ...]


def rows(table: str = MATRIX, columns: tuple[str, ...] = COLUMNS) -> list[Row]:
    parsed = []
    for line in table.strip().splitlines():
        service, method, template, variant, *cells = line.split()
        assert len(cells) == len(columns), line
        parsed.append(Row(service, method, template, variant, tuple(cells)))
    return parsed


@dataclass
class Fixture:
    """What the requests need: a routed complaint, its department, an agent, a survey."""

    complaint_id: str
    department: str
    other_department: str
    assignee: str
    survey_id: str
    tree_size: int
    bodies: dict[str, Any]


def callers(fx: Fixture) -> dict[str, dict[str, str]]:
    """Request headers of every column."""
    settings = ServiceSettings()
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "matrix", "roles": ["admin"], "iss": settings.jwt_issuer}
    claims |= {"aud": settings.jwt_audience, "iat": now - 120, "exp": now - 60}
    expired = jwt.encode(claims, settings.jwt_dev_secret, algorithm="HS256")
    forged = jwt.encode(claims | {"exp": now + 600}, "not-the-key" * 4, algorithm="HS256")
    return {
        "none": {},
        "expired": {"Authorization": f"Bearer {expired}"},
        "forged": {"Authorization": f"Bearer {forged}"},
        "channel": auth(Role.channel, sub="matrix-channel"),
        "agent": auth(Role.agent, sub=fx.assignee),
        "super": auth(Role.supervisor, sub="matrix-supervisor"),
        "dept": auth(Role.department, sub="matrix-dept", departments=(fx.department,)),
        "other": auth(Role.department, sub="matrix-other", departments=(fx.other_department,)),
        "auditor": auth(Role.auditor, sub="matrix-auditor"),
        "admin": auth(Role.admin, sub="matrix-admin"),
        "agent-dept": auth(Role.agent, sub="matrix-colleague", departments=(fx.department,)),
        "agent-other": auth(Role.agent, sub="matrix-stranger", departments=(fx.other_department,)),
    }


ACTION_BODIES: dict[str, dict[str, Any] | None] = {
    "notes": {"text": "matrix note"},
    "contact": {"method": "phone", "summary": "called the customer"},
    "await-customer": {"reason": "waiting for the invoice"},
    "resolve": {"outcome": "upheld", "basis": "checked", "remedy": "refund"},
    "reopen": {"reason": "matrix"},
    "extend": {"reason": "complex case", "customer_consented": True, "duration": "P1D"},
}


def request_for(row: Row, fx: Fixture) -> tuple[str, dict[str, Any]]:
    """The concrete path and request options of a row."""
    path = row.template.format(
        complaint_id=fx.complaint_id,
        action=row.variant,
        source="matrix-site",
        agent_id=fx.assignee,
        survey_id=fx.survey_id,
        task_id="no-such-task",
        notification_id="no-such-notification",
        seq=1,
    )
    options: dict[str, Any] = {}
    key = f"{row.service} {row.method} {row.template}"
    if row.variant in ACTION_BODIES:
        options["json"] = ACTION_BODIES[row.variant]
    elif key in fx.bodies:
        options["json"] = fx.bodies[key]
    if row.template == "/v1/audit/proofs/consistency":
        options["params"] = {"from": fx.tree_size, "to": fx.tree_size}
    if row.template == "/v1/reports/service":
        options["params"] = {"period": "2026-11", "format": "md"}
    return path, options


def verdict(expected: str, status: int) -> bool:
    if expected == "2xx":
        return 200 <= status < 300
    if expected == "allow":
        return status not in (401, 403, 404) and status < 500
    return status == int(expected)


async def prepare(client: httpx.AsyncClient, e2e: E2E) -> Fixture:
    """A routed complaint, plus current configurations to PUT back unchanged."""
    admin = auth(Role.admin, sub="matrix-admin")
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "矩阵", "email": "matrix@example.com"},
        "description": "访问矩阵：账单重复扣费",
    }
    created = await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=admin)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]

    async def routed() -> dict[str, Any] | None:
        doc = (await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=admin)).json()
        return doc if doc.get("department") and doc.get("assignee") else None

    doc = await eventually(routed, within=60, what="matrix complaint routed")
    survey_id = await resolved_survey(client, e2e, admin)
    departments = await client.get(e2e.url("routing", "/v1/routing/departments"), headers=admin)
    names = [d["id"] for d in departments.json()["departments"]]
    rules = (await client.get(e2e.url("routing", "/v1/routing/rules"), headers=admin)).json()
    policies = (await client.get(e2e.url("sla", "/v1/sla/policies"), headers=admin)).json()
    calendars = await client.get(e2e.url("sla", "/v1/sla/calendars"), headers=admin)
    custom = [c for c in calendars.json().get("calendars", []) if not c.get("builtin")]
    strip: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: {  # noqa: E731
        k: v for k, v in d.items() if k not in ("version", "builtin")
    }
    bodies = {
        "intake POST /v1/complaints": body,
        "intake POST /v1/channels/webhook/{source}": body,
        "routing PUT /v1/routing/rules": {k: v for k, v in rules.items() if k != "version"},
        "routing PUT /v1/routing/departments": {"departments": departments.json()["departments"]},
        "routing PUT /v1/routing/agents/{agent_id}": {"available": True},
        "routing POST /v1/complaints/{complaint_id}/transfer": {
            "to_department": doc["department"],
            "reason": "matrix: same department",
        },
        "routing POST /v1/complaints/{complaint_id}/assign": {"agent": doc["assignee"]},
        "sla PUT /v1/sla/policies": {"policies": [strip(p) for p in policies["policies"]]},
        "sla PUT /v1/sla/calendars": {"calendars": [strip(c) for c in custom]},
        "feedback POST /v1/surveys/{survey_id}/phone-answer": {"score": 4, "solved": True},
        "feedback POST /v1/callback-tasks/{task_id}/complete": {"note": "matrix"},
        "feedback POST /v1/reports/improvements": {"title": "矩阵", "description": "matrix"},
    }
    other = next(n for n in names if n != doc["department"])

    async def checkpoint() -> int | None:
        url = e2e.url("audit", "/v1/audit/checkpoints/latest")
        reply = await client.get(url, headers=admin)
        return int(reply.json()["tree_size"]) if reply.status_code == 200 else None

    tree_size = await eventually(checkpoint, within=60, what="a signed audit checkpoint")
    return Fixture(cid, doc["department"], other, doc["assignee"], survey_id, tree_size, bodies)


async def resolved_survey(client: httpx.AsyncClient, e2e: E2E, admin: dict[str, str]) -> str:
    """A survey to answer by phone: resolve a second complaint and wait for its survey."""
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"phone": "+8613700137000"},
        "description": "访问矩阵：回访",
    }
    cid = (await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=admin)).json()[
        "id"
    ]
    resolve = {"outcome": "rejected", "basis": "no fault found"}
    for action, payload in (("acknowledge", None), ("resolve", resolve)):
        url = e2e.url("intake", f"/v1/complaints/{cid}/{action}")
        reply = await client.post(url, json=payload, headers=admin)
        assert reply.status_code == 200, reply.text

    async def survey() -> str | None:
        url = e2e.url("feedback", f"/v1/complaints/{cid}/surveys")
        reply = await client.get(url, headers=admin)
        found = reply.json() if reply.status_code == 200 else []
        items = found.get("surveys", found) if isinstance(found, dict) else found
        return str(items[0]["id"]) if items else None

    return await eventually(survey, within=60, what="a survey to answer by phone")


async def test_every_endpoint_answers_every_caller_as_the_matrix_says(e2e: E2E) -> None:
    table = rows()
    # Every answer is recorded and diffed against the published documents at the end.
    recorder = ResponseRecorder({service: e2e.url(service) for service in SERVICES})
    hooks = {"response": [recorder.hook()]}
    async with httpx.AsyncClient(timeout=30.0, event_hooks=hooks) as client:
        published = set()
        specs = {}
        for service in SERVICES:
            spec = specs[service] = (await client.get(e2e.url(service, "/openapi.json"))).json()
            for path, ops in spec["paths"].items():
                for method in ops:
                    if path not in PUBLIC:
                        published.add((service, method.upper(), path))
        listed = {(r.service, r.method, r.template) for r in table}
        assert published - listed == set(), (
            f"endpoints missing from the matrix: {published - listed}"
        )
        assert listed - published == set(), f"endpoints not served: {listed - published}"

        fx = await prepare(client, e2e)
        who = callers(fx)
        wrong = []
        # The stranger goes first: a refused action must leave the complaint as it was.
        scoped = [
            (r, AGENT_SCOPE_COLUMNS[::-1], r.expected[::-1])
            for r in rows(AGENT_SCOPE, AGENT_SCOPE_COLUMNS)
        ]
        for row, columns, cells in [*scoped, *((r, COLUMNS, r.expected) for r in table)]:
            path, options = request_for(row, fx)
            for column, expected in zip(columns, cells, strict=True):
                url = e2e.url(row.service, path)
                try:
                    reply = await client.request(row.method, url, headers=who[column], **options)
                    status, text = reply.status_code, reply.text[:160]
                except httpx.HTTPError as exc:  # a dropped connection is a wrong answer too
                    status, text = 599, repr(exc)
                if not verdict(expected, status):
                    wrong.append(
                        f"{row.service} {row.method} {path} as {column}: expected {expected}, "
                        f"got {status} {text}"
                    )
    record_figures(
        access_matrix_cells=len(table) * len(COLUMNS) + len(scoped) * len(AGENT_SCOPE_COLUMNS)
    )
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(wrong)
    off_spec = spec_problems(specs, recorder.seen)
    record_figures(access_matrix_responses_diffed=len(recorder.seen))
    assert not off_spec, "answers the OpenAPI documents do not describe:\n" + "\n".join(off_spec)
