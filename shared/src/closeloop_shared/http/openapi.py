"""Completing FastAPI's OpenAPI document: problem details, bearer JWT and roles.

FastAPI documents what a route declares; the rest of the contract lives in shared
mechanisms it cannot see. This module adds, once for every service:

- ``components.schemas.Problem``: the RFC 9457 body of every error (see ``errors.py``),
  which replaces FastAPI's ``HTTPValidationError`` in every 4xx/5xx response;
- ``components.securitySchemes.bearerAuth`` (JWT), applied to each operation whose
  dependencies verify a token; public operations declare ``security: []``;
- each authenticated operation's roles, in its description and in ``x-closeloop-roles``;
- the errors the shared machinery can produce for an operation: 400 (malformed JSON or
  header, JSON nested too deep), 401/403 (token, role), 404 (a path naming something that
  does not exist), 413 (body limit), 422 (validation), 429 (the caller's rate limit) and
  500, plus what its dependencies and middleware declare.

Middleware that can refuse any request declares it with ``declare_app_errors`` (the
database guard's 503).

Dependencies say what they check by attributes (``mark_authenticates``, ``mark_roles``,
``mark_errors``), so the walk needs no knowledge of each service's dependency names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from closeloop_shared.http.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX

AUTHENTICATES = "closeloop_authenticates"
ROLES = "closeloop_roles"
ERRORS = "closeloop_errors"
SCHEME = "bearerAuth"
PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details (application/problem+json). `error`, `message` "
    "and `fields` are the earlier body, kept as extension members; some errors add more "
    "members (e.g. `allowed_actions`, `current_version`).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance", "error", "message"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": f"`{PROBLEM_TYPE_PREFIX}<error>`",
            "examples": [f"{PROBLEM_TYPE_PREFIX}validation_failed"],
        },
        "title": {"type": "string", "examples": ["Validation failed"]},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "examples": ["invalid request: customer.phone"]},
        "instance": {
            "type": "string",
            "format": "uri-reference",
            "description": "the request path",
        },
        "error": {"type": "string", "description": "stable error code", "pattern": "^[a-z_]+$"},
        "message": {"type": "string", "description": "same as `detail`"},
        "fields": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemField"}},
    },
    "additionalProperties": True,
}
PROBLEM_FIELD_SCHEMA: dict[str, Any] = {
    "title": "ProblemField",
    "type": "object",
    "required": ["field", "problem"],
    "properties": {
        "field": {"type": "string", "examples": ["customer.phone"]},
        "problem": {"type": "string"},
    },
}
BEARER_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "A JWT with the claims `sub`, `roles`, `depts` and `scope` (RS256 via "
    "JWKS in production, HS256 in development).",
}
GENERIC_ERRORS = {
    400: "malformed JSON body or invalid header",
    401: "missing, expired or invalid bearer token",
    403: "the caller's roles do not allow this operation",
    404: "what the path names does not exist (or is outside the caller's departments)",
    413: "request body larger than the configured limit",
    429: "the caller's rate limit is exceeded; see Retry-After",
    422: "a parameter or body field is invalid (each named in `fields`)",
    500: "unexpected error; the request was not applied",
}


def mark_authenticates(dependency: Callable[..., Any]) -> None:
    """Declare that ``dependency`` verifies the caller's bearer token."""
    setattr(dependency, AUTHENTICATES, True)


def mark_roles(dependency: Callable[..., Any], roles: Iterable[str]) -> None:
    """Declare that ``dependency`` admits only callers holding one of ``roles``."""
    setattr(dependency, AUTHENTICATES, True)
    setattr(dependency, ROLES, tuple(sorted(roles)))


def mark_errors(dependency: Callable[..., Any], errors: dict[int, str]) -> None:
    """Declare the error statuses ``dependency`` answers with (status → when)."""
    setattr(dependency, ERRORS, dict(errors))


AppErrors = list[tuple[dict[int, str], frozenset[str]]]


def declare_app_errors(
    app: FastAPI, errors: dict[int, str], *, except_paths: frozenset[str]
) -> None:
    """Declare errors a middleware may answer any operation with (but ``except_paths``)."""
    declared: AppErrors = getattr(app.state, "closeloop_app_errors", [])
    app.state.closeloop_app_errors = [*declared, (dict(errors), except_paths)]


def _declared_errors(dependant: Dependant) -> dict[int, str]:
    found: dict[int, str] = {}
    stack = [dependant]
    while stack:
        current = stack.pop()
        found.update(getattr(current.call, ERRORS, {}))
        stack.extend(current.dependencies)
    return found


def _checks(dependant: Dependant) -> tuple[bool, tuple[str, ...] | None]:
    """(authenticated, roles) over the whole dependency tree; nested role checks narrow."""
    authenticated, roles = False, None
    stack = [dependant]
    while stack:
        current = stack.pop()
        authenticated |= bool(getattr(current.call, AUTHENTICATES, False))
        found: tuple[str, ...] | None = getattr(current.call, ROLES, None)
        if found is not None:
            roles = found if roles is None else tuple(r for r in roles if r in found)
        stack.extend(current.dependencies)
    return authenticated, roles


def _has_params(dependant: Dependant, *kinds: str) -> bool:
    stack = [dependant]
    while stack:
        current = stack.pop()
        if any(getattr(current, f"{kind}_params") for kind in kinds):
            return True
        stack.extend(current.dependencies)
    return False


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_REF}}}


def _as_problem(response: dict[str, Any]) -> None:
    """Give an error response the problem content, keeping any non-JSON alternative (the
    survey form's HTML pages) and any JSON body with a real schema (readiness)."""
    content = response.get("content", {})
    json_schema = content.get("application/json", {}).get("schema", {})
    if json_schema and "HTTPValidationError" not in json_schema.get("$ref", ""):
        return
    kept = {k: v for k, v in content.items() if k != "application/json"}
    response["content"] = {**kept, **_problem_content()}


def _document(
    operation: dict[str, Any], route: RouteContext, method: str, app_errors: AppErrors
) -> None:
    authenticated, roles = _checks(route.dependant)
    declared = operation.get("x-closeloop-roles")
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = {500}
    if route.body_field is not None:
        wanted |= {400, 413, 422}
    if method in ("POST", "PUT", "PATCH"):  # the body limit applies to bodies read by hand too
        wanted |= {413}
    if _has_params(route.dependant, "header"):
        wanted |= {400}
    if _has_params(route.dependant, "path", "query", "header", "cookie"):
        wanted |= {422}
    if _has_params(route.dependant, "path"):
        wanted |= {404}
    description = operation.get("description", "")
    if authenticated:  # the token check also applies the caller's rate limit
        wanted |= {401, 403, 429}
        operation["security"] = [{SCHEME: []}]
        if declared is None:
            shown = ", ".join(roles) if roles else "any authenticated caller"
            operation["x-closeloop-roles"] = list(roles) if roles else []
            description = f"Roles: {shown}.\n\n{description}".rstrip()
    else:
        operation["security"] = []
        description = f"Public: no token.\n\n{description}".rstrip()
    operation["description"] = description
    for code in sorted(wanted):
        responses.setdefault(str(code), {"description": GENERIC_ERRORS[code]})
    for code, when in _declared_errors(route.dependant).items():
        responses.setdefault(str(code), {"description": when})
    for errors, except_paths in app_errors:
        if route.path_format not in except_paths:
            for code, when in errors.items():
                responses.setdefault(str(code), {"description": when})
    for status, response in responses.items():
        if str(status)[:1] in ("4", "5"):
            _as_problem(response)


def complete_openapi(
    spec: dict[str, Any],
    routes: Sequence[BaseRoute],
    app_errors: AppErrors | None = None,
) -> dict[str, Any]:
    """Add the problem schema, the bearer scheme, roles and shared errors to ``spec``."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemField"] = PROBLEM_FIELD_SCHEMA
    components["securitySchemes"] = {SCHEME: BEARER_SCHEME}
    # Included routers are nested in FastAPI >= 0.165; the contexts carry the effective
    # route (prefix, router-level dependencies) as the document sees it.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = spec["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document(operation, route, method.upper(), app_errors or [])
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return the completed document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        spec = generate()  # FastAPI caches it, and rebuilds it when routes are added
        if "Problem" not in spec.get("components", {}).get("schemas", {}):
            complete_openapi(spec, app.routes, getattr(app.state, "closeloop_app_errors", []))
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
