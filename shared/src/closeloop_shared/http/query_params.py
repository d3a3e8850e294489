"""Unknown query parameters are refused (422 naming them) instead of silently ignored.

A misspelt filter (``?stauts=``) or one a service does not have used to return everything,
which reads as an answer. The check is one app-wide dependency: on every ``GET`` route of
the API (``/v1/...``) it compares the request's parameter names with those the route
declares (its own and its dependencies', aliases included), so a new filter is accepted
the moment a route declares it and nothing is listed twice. Probes and scrapers
(``/healthz``, ``/metrics``) are left alone: they may add parameters of their own.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from closeloop_shared.http.errors import ApiError
from closeloop_shared.http.openapi import mark_errors

API_PREFIX = "/v1/"
_declared: dict[int, frozenset[str]] = {}  # id(route) → its query parameter names


def _query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):  # a query-parameter model
            names |= {f.alias or name for name, f in model.model_fields.items()}
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` accepts (computed once per route)."""
    names = _declared.get(id(route))
    if names is None:
        names = _declared[id(route)] = frozenset(_query_names(route.dependant))
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """FastAPI dependency: 422 naming each query parameter a ``GET`` route does not take."""
    route = request.scope.get("route")
    if request.method != "GET" or not isinstance(route, APIRoute) or not request.query_params:
        return
    if not route.path.startswith(API_PREFIX):
        return  # probes and scrapers may add parameters of their own
    unknown = sorted(set(request.query_params.keys()) - declared_query_names(route))
    if unknown:
        fields = [{"field": name, "problem": "unknown query parameter"} for name in unknown]
        accepted = ", ".join(sorted(declared_query_names(route))) or "none"
        raise ApiError(
            422,
            "validation_failed",
            f"unknown query parameter: {', '.join(unknown)} (accepted: {accepted})",
            fields=fields,
        )


mark_errors(reject_unknown_query_parameters, {422: "an unknown query parameter (named in fields)"})
