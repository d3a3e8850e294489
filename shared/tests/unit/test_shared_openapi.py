"""The shared OpenAPI completion: bearer scheme, roles, problem responses."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from closeloop_shared.auth import CurrentPrincipal, Principal, Role, require_roles
from closeloop_shared.http.app import create_app
from closeloop_shared.http.openapi import mark_errors
from closeloop_shared.settings import ServiceSettings

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


class Thing(BaseModel):
    name: str


def _loaded(request: Request) -> str:
    return "ok"


mark_errors(_loaded, {503: "not loaded yet"})


def _spec() -> dict[str, Any]:
    router = APIRouter()

    @router.put("/things/{thing_id}", summary="Replace a thing")
    async def put(
        thing_id: str,
        body: Thing,
        p: Annotated[Principal, Depends(require_roles(Role.admin, Role.supervisor))],
        loaded: Annotated[str, Depends(_loaded)],
    ) -> Thing:
        """Replaces it."""
        return body

    @router.get("/mine")
    async def mine(p: CurrentPrincipal) -> str:
        return p.sub

    @router.get("/open")
    async def public() -> str:
        return "hi"

    app = create_app(settings=ServiceSettings(service_name="t"), title="t", routers=[router])
    spec: dict[str, Any] = TestClient(app).get("/openapi.json").json()
    return spec


def test_bearer_scheme_and_roles_per_operation() -> None:
    spec = _spec()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    put = spec["paths"]["/things/{thing_id}"]["put"]
    assert put["security"] == [{"bearerAuth": []}]
    assert put["x-closeloop-roles"] == ["admin", "supervisor"]
    assert (
        put["description"].startswith("Roles: admin, supervisor.")
        and "Replaces it" in (put["description"])
    )
    mine = spec["paths"]["/mine"]["get"]
    assert mine["security"] == [{"bearerAuth": []}] and "any authenticated" in mine["description"]
    for public in (spec["paths"]["/open"]["get"], spec["paths"]["/healthz"]["get"]):
        assert public["security"] == [] and "401" not in public["responses"]


def test_every_error_is_documented_as_a_problem() -> None:
    spec = _spec()
    put = spec["paths"]["/things/{thing_id}"]["put"]["responses"]
    assert set(put) == {"200", "400", "401", "403", "404", "413", "422", "429", "500", "503"}
    for status, response in put.items():
        if status != "200":
            assert response["content"] == PROBLEM, status
    assert put["503"]["description"] == "not loaded yet"
    assert "HTTPValidationError" not in str(spec)
    assert spec["components"]["schemas"]["Problem"]["required"][:5] == [
        "type",
        "title",
        "status",
        "detail",
        "instance",
    ]
    ready = spec["paths"]["/readyz"]["get"]["responses"]["503"]["content"]
    assert ready["application/json"]["schema"]["$ref"].endswith("/ReadinessReport")
