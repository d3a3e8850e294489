"""The five services' OpenAPI documents: valid for openapi-spec-validator, every error a
problem-details response, bearer JWT on authenticated operations, one typed operation per
lifecycle action. Built in-process from each service's app (no servers needed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from closeloop_audit.bootstrap import bootstrap as audit_app
from closeloop_feedback.bootstrap import bootstrap as feedback_app
from closeloop_intake.bootstrap import bootstrap as intake_app
from closeloop_intake.service.actions import API_ACTIONS
from closeloop_routing.bootstrap import bootstrap as routing_app
from closeloop_sla.bootstrap import bootstrap as sla_app
from closeloop_sla.config import SlaSettings

APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: intake_app()[0],
    "routing": lambda: routing_app()[0],
    "sla": lambda: sla_app(SlaSettings(), 6)[1],
    "feedback": lambda: feedback_app()[0],
    "audit": lambda: audit_app()[0],
}
# No bearer token: probes, the survey link, and the HMAC-signed webhook and SMS receipts.
PUBLIC = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/surveys/{token}",
    "/v1/channels/webhook/{source}",
    "/v1/sms/receipts",
}
PROBLEM_REF = "#/components/schemas/Problem"


@cache
def served(service: str) -> dict[str, Any]:
    """``/openapi.json`` as the service serves it (the lifespan is not needed for it)."""
    reply = TestClient(APPS[service]()).get("/openapi.json")
    assert reply.status_code == 200
    spec: dict[str, Any] = reply.json()
    return spec


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


@pytest.mark.parametrize("service", APPS)
def test_the_served_document_passes_openapi_spec_validator(service: str) -> None:
    spec = served(service)
    validate(spec)
    assert spec["openapi"].startswith("3.1")


@pytest.mark.parametrize("service", APPS)
def test_every_error_response_is_problem_details(service: str) -> None:
    spec = served(service)
    assert "HTTPValidationError" not in str(spec)
    for path, method, op in operations(spec):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        assert "500" in errors, (path, method)
        for status, response in errors.items():
            if path == "/readyz" and status == "503":
                continue  # the probe's own report, 200 and 503 alike
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": PROBLEM_REF}, (path, method, status)


@pytest.mark.parametrize("service", APPS)
def test_authenticated_operations_declare_bearer_jwt_and_roles(service: str) -> None:
    spec = served(service)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    for path, method, op in operations(spec):
        if path in PUBLIC:
            assert op["security"] == [], (path, method)
            continue
        assert op["security"] == [{"bearerAuth": []}], (path, method)
        assert {"401", "403"} <= set(op["responses"]), (path, method)
        roles = op["x-closeloop-roles"]
        shown = ", ".join(roles) if roles else "any authenticated caller"
        assert op["description"].startswith(f"Roles: {shown}"), (path, method)


def test_each_lifecycle_action_is_its_own_operation_with_a_typed_body() -> None:
    spec = served("intake")
    schemas = spec["components"]["schemas"]
    assert "/v1/complaints/{complaint_id}/{action}" not in spec["paths"]
    bodies = {}
    for action in API_ACTIONS:
        op = spec["paths"][f"/v1/complaints/{{complaint_id}}/{action}"]["post"]
        content = op["requestBody"]["content"]["application/json"]
        ref = next(s["$ref"] for s in content["schema"]["anyOf"] if "$ref" in s)
        bodies[str(action)] = ref.rsplit("/", 1)[-1]
        example = content["examples"]["typical"]["value"]
        assert set(example) <= set(schemas[bodies[str(action)]]["properties"]), action
        assert {"409", "404", "422"} <= set(op["responses"]), action
        assert re.match(r"Roles: [a-z, ]+ \(", op["description"]), action
    assert bodies["resolve"] == "ResolveBody"
    assert {"outcome", "basis"} <= set(schemas["ResolveBody"]["required"])
    assert {"reason", "customer_consented"} <= set(schemas["ExtendBody"]["required"])
    assert "method" in schemas["ContactBody"]["required"]
    assert bodies["acknowledge"] == "ActionBody"


def test_dependency_and_route_errors_are_documented() -> None:
    intake, sla = served("intake")["paths"], served("sla")["paths"]
    create = intake["/v1/complaints"]["post"]["responses"]
    assert {"409", "413", "429"} <= set(create)  # idempotency, body limit, load shedding
    webhook = intake["/v1/channels/webhook/{source}"]["post"]["responses"]
    assert {"401", "404", "413", "429"} <= set(webhook)
    assert "503" in sla["/v1/sla/policies"]["put"]["responses"]  # policies not loaded yet


def test_the_complaint_body_has_an_example() -> None:
    create = served("intake")["components"]["schemas"]["ComplaintCreate"]
    example = create["examples"][0]
    assert set(create["required"]) <= set(example)


@pytest.mark.parametrize("service", APPS)
def test_the_database_guard_503_is_documented_on_every_api_operation(service: str) -> None:
    for path, method, op in operations(served(service)):
        expected = path not in {"/healthz", "/readyz", "/metrics"}
        assert ("503" in op["responses"]) is expected or path == "/readyz", (path, method)
