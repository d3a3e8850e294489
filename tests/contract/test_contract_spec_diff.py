"""The spec differ finds what a document does not describe in real responses."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from closeloop_devstack.spec_diff import Observed, ResponseRecorder, spec_problems, template_of
from closeloop_shared.auth import Principal, Role, TokenVerifier, issue_dev_token, require_roles
from closeloop_shared.http.app import create_app
from closeloop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="t")
BASE = "http://svc.test:80"


def _app() -> Any:
    router = APIRouter()

    @router.get("/things/special")
    async def special() -> dict[str, int]:
        return {"n": 1}

    @router.get("/things/{thing_id}")
    async def thing(
        thing_id: str, p: Annotated[Principal, Depends(require_roles(Role.admin))]
    ) -> dict[str, str]:
        return {"id": thing_id}

    @router.get("/teapot")
    async def teapot() -> JSONResponse:
        return JSONResponse({"error": "teapot"}, status_code=418)  # not documented

    @router.get("/liar", response_model=None)
    async def liar() -> JSONResponse:
        return JSONResponse({"id": 7})  # documented as {"id": string}

    @router.get("/liar-doc")
    async def liar_doc() -> dict[str, str]:
        return {"id": "x"}

    app = create_app(settings=SETTINGS, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(SETTINGS)
    # /liar shares /liar-doc's documented 200 schema, so its body is off-schema.
    spec = app.openapi()
    spec["paths"]["/liar"]["get"]["responses"]["200"] = spec["paths"]["/liar-doc"]["get"][
        "responses"
    ]["200"]
    return app


async def _record(*calls: tuple[str, dict[str, str]]) -> tuple[list[Observed], dict[str, Any]]:
    app = _app()
    recorder = ResponseRecorder({"svc": BASE})
    transport = httpx.ASGITransport(app=app)
    hooks = {"response": [recorder.hook()]}
    async with httpx.AsyncClient(transport=transport, base_url=BASE, event_hooks=hooks) as c:
        for path, headers in calls:
            await c.get(path, headers=headers)
    return recorder.seen, {"svc": app.openapi()}


async def test_documented_answers_pass_including_problem_details() -> None:
    admin = {"Authorization": f"Bearer {issue_dev_token(SETTINGS, role=Role.admin)}"}
    agent = {"Authorization": f"Bearer {issue_dev_token(SETTINGS, role=Role.agent)}"}
    seen, specs = await _record(
        ("/things/a", admin),
        ("/things/a", {}),
        ("/things/a", agent),
        ("/things/special", {}),
        ("/openapi.json", {}),
        ("/readyz", {}),
    )
    assert [s.status for s in seen] == [200, 401, 403, 200, 200, 200]
    assert spec_problems(specs, seen) == []


async def test_undocumented_status_body_and_operation_are_reported() -> None:
    seen, specs = await _record(("/teapot", {}), ("/liar", {}), ("/nowhere", {}))
    problems = spec_problems(specs, seen)
    assert len(problems) == 3, problems
    assert "svc GET /teapot → 418: undocumented status" in problems[2]
    assert "svc GET /liar → 200: id: 7 is not of type 'string'" in problems[0]
    assert "svc GET /nowhere → 404: undocumented operation" in problems[1]


def test_problem_status_must_match_and_content_type_must_be_declared() -> None:
    spec = _app().openapi()
    wrong = b'{"type": "urn:closeloop:problem:x", "title": "X", "status": 400, "detail": "d",'
    wrong += b' "instance": "/things/a", "error": "x", "message": "d"}'
    seen = [
        Observed("svc", "GET", "/things/a", 404, "application/problem+json", wrong),
        Observed("svc", "GET", "/things/a", 200, "text/html", b"<p>"),
    ]
    problems = spec_problems({"svc": spec}, seen)
    assert problems == [
        "svc GET /things/{thing_id} → 200: undocumented content type 'text/html'",
        "svc GET /things/{thing_id} → 404: problem status 400 != 404",
    ]


def test_the_first_matching_template_wins_as_in_the_router() -> None:
    spec: dict[str, Any] = {"paths": {"/p/consistency": {}, "/p/{seq}": {}}}
    assert template_of(spec, "/p/consistency") == "/p/consistency"
    assert template_of({"paths": {"/p/{seq}": {}, "/p/x": {}}}, "/p/x") == "/p/{seq}"
    assert template_of(spec, "/p/7") == "/p/{seq}"
    assert template_of(spec, "/q") is None
