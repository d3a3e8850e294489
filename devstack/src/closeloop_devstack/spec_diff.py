"""Diffing the services' OpenAPI documents against responses a test really received.

A test passes :meth:`ResponseRecorder.hook` to its ``httpx.AsyncClient`` as a response
event hook; every answer is kept as (service, method, path, status, content type, body).
:func:`spec_problems` then reports each answer the document does not describe: an
operation or status code it does not list, a content type it does not declare, or a JSON
body that fails the declared schema (validated with jsonschema against the document's
components, so ``$ref`` resolves as a generated client would resolve it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:closeloop:openapi"
# Served by FastAPI itself, never part of the document.
UNDOCUMENTED_BY_DESIGN = frozenset({"/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"})


@dataclass(frozen=True)
class Observed:
    """One response a test received."""

    service: str
    method: str
    path: str
    status: int
    content_type: str
    body: bytes

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path} → {self.status}"


@dataclass
class ResponseRecorder:
    """Collects responses, attributing each to a service by its base URL."""

    bases: dict[str, str]  # service → base URL (scheme://host:port)
    seen: list[Observed] = field(default_factory=list)

    def service_of(self, url: httpx.URL) -> str | None:
        return next(
            (name for name, base in self.bases.items() if _origin(httpx.URL(base)) == _origin(url)),
            None,
        )

    def hook(self) -> Callable[[httpx.Response], Awaitable[None]]:
        """An ``httpx.AsyncClient(event_hooks={"response": [...]})`` hook."""

        async def on_response(response: httpx.Response) -> None:
            service = self.service_of(response.request.url)
            if service is None:
                return
            body = await response.aread()
            media = response.headers.get("content-type", "").split(";")[0].strip()
            method, path = response.request.method, response.request.url.path
            self.seen.append(Observed(service, method, path, response.status_code, media, body))

        return on_response


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def template_of(spec: dict[str, Any], path: str) -> str | None:
    """The first path template of ``spec`` matching ``path``: FastAPI lists paths in route
    order, and its router takes the first route that matches (``/proofs/consistency`` is
    declared before ``/proofs/{seq}``)."""
    return next((t for t in spec["paths"] if _pattern(t).match(path)), None)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def spec_problems(specs: dict[str, dict[str, Any]], observed: Iterable[Observed]) -> list[str]:
    """Every observed response that ``specs`` (service → OpenAPI document) do not describe."""
    registries = {
        service: Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec))
        for service, spec in specs.items()
    }
    problems: set[str] = set()
    for seen in observed:
        if seen.path in UNDOCUMENTED_BY_DESIGN:
            continue
        spec = specs[seen.service]
        template = template_of(spec, seen.path)
        operation = spec["paths"].get(template or "", {}).get(seen.method.lower())
        if operation is None:
            problems.add(f"{seen}: undocumented operation")
            continue
        label = f"{seen.service} {seen.method} {template} → {seen.status}"
        responses = operation.get("responses", {})
        key = next(
            (k for k in (str(seen.status), f"{seen.status // 100}XX", "default") if k in responses),
            None,
        )
        if key is None:
            problems.add(f"{label}: undocumented status (documented: {sorted(responses)})")
            continue
        content = responses[key].get("content", {})
        if not content:
            continue
        if seen.content_type not in content:
            problems.add(f"{label}: undocumented content type {seen.content_type!r}")
            continue
        if "json" not in seen.content_type or "schema" not in content[seen.content_type]:
            continue
        try:
            body = json.loads(seen.body)
        except ValueError:
            problems.add(f"{label}: body is not JSON")
            continue
        pointer = _pointer("paths", template or "", seen.method.lower(), "responses", key)
        ref = f"{SPEC_URI}#{pointer}{_pointer('content', seen.content_type, 'schema')}"
        validator = Draft202012Validator({"$ref": ref}, registry=registries[seen.service])
        for error in validator.iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            problems.add(f"{label}: {where}: {error.message[:200]}")
        if seen.content_type == "application/problem+json" and body.get("status") != seen.status:
            problems.add(f"{label}: problem status {body.get('status')} != {seen.status}")
    return sorted(problems)
