"""Unknown query parameters of GET routes are refused with 422 naming them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.testclient import TestClient

from closeloop_shared.http.app import create_app
from closeloop_shared.settings import ServiceSettings


async def _paging(cursor: str | None = None, limit: int = 10) -> tuple[str | None, int]:
    return cursor, limit


def _client() -> TestClient:
    router = APIRouter()

    @router.get("/v1/things")
    async def things(
        paging: Annotated[tuple[str | None, int], Depends(_paging)],
        status: str | None = None,
        since: Annotated[str | None, Query(alias="from")] = None,
    ) -> dict[str, object]:
        return {"status": status, "from": since, "limit": paging[1]}

    @router.post("/v1/things")
    async def create(tag: str | None = None) -> dict[str, object]:
        return {"tag": tag}

    app = create_app(settings=ServiceSettings(service_name="t"), title="t", routers=[router])
    return TestClient(app)


def test_declared_parameters_aliases_and_dependency_parameters_are_accepted() -> None:
    reply = _client().get("/v1/things", params={"status": "open", "from": "x", "limit": 3})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"status": "open", "from": "x", "limit": 3}


def test_an_unknown_parameter_is_422_naming_it() -> None:
    reply = _client().get("/v1/things", params={"status": "open", "assignee": "me", "zz": "1"})
    assert reply.status_code == 422
    body = reply.json()
    assert [f["field"] for f in body["fields"]] == ["assignee", "zz"]
    assert all(f["problem"] == "unknown query parameter" for f in body["fields"])
    assert "assignee" in body["message"] and "status" in body["message"]


def test_the_python_name_of_an_aliased_parameter_is_unknown() -> None:
    reply = _client().get("/v1/things", params={"since": "x"})
    assert reply.status_code == 422
    assert reply.json()["fields"][0]["field"] == "since"


def test_health_routes_and_other_methods_are_left_alone() -> None:
    client = _client()
    assert client.get("/healthz", params={"probe": "1"}).status_code == 200
    assert client.post("/v1/things", params={"tag": "a", "extra": "b"}).status_code == 200
