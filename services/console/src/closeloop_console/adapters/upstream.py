"""The backend-for-frontend client: the five services' HTTP APIs, called with the user's token.

Every call returns an :class:`Answer` (status and JSON) instead of raising, because pages
show a service's 4xx to the user: a 422 next to its field, a 409 as "changed by someone
else", a 404/405 on an endpoint a service does not offer yet as "not available".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from closeloop_console.config import ConsoleSettings

SERVICES = ("intake", "routing", "sla", "feedback", "audit")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def missing_endpoint(self) -> bool:
        """The service does not offer this endpoint (yet): 404 without a domain error, 405."""
        if self.status == 405:
            return True
        return self.status == 404 and self.error_code in {"not_found", None}

    @property
    def unreachable(self) -> bool:
        return self.status == 503 and self.error_code == "upstream_unreachable"

    @property
    def error_code(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("message", ""))
        return ""


class Upstreams:
    """One pooled HTTP client for all five services."""

    def __init__(
        self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None
    ):
        self._base = {name: getattr(settings, f"{name}_url").rstrip("/") for name in SERVICES}
        self._client = httpx.AsyncClient(timeout=settings.upstream_timeout_s, transport=transport)
        self._ttl = settings.capability_ttl_s
        self._specs: dict[str, tuple[float, dict[str, Any]]] = {}

    async def close(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        all_headers.update(headers or {})
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            reply = await self._client.request(
                method, self._base[service] + path, params=clean, json=json, headers=all_headers
            )
        except httpx.HTTPError as exc:
            failure = {
                "error": "upstream_unreachable",
                "message": f"{service}: {type(exc).__name__}",
            }
            return Answer(503, failure)
        is_json = "json" in reply.headers.get("content-type", "")
        body: Any = reply.json() if is_json else reply.text
        return Answer(reply.status_code, body, dict(reply.headers))

    async def get(self, service: str, path: str, token: str, **params: Any) -> Answer:
        return await self.call(service, "GET", path, token, params=params)

    async def raw(
        self, service: str, path: str, token: str, params: Mapping[str, Any]
    ) -> httpx.Response:
        """An unparsed GET (report downloads are streamed through as they are)."""
        return await self._client.get(
            self._base[service] + path, params=params, headers={"Authorization": f"Bearer {token}"}
        )

    async def offers(self, service: str, method: str, path: str, param: str | None = None) -> bool:
        """Whether the service's published OpenAPI has this operation (and query parameter).

        Needed where an older service silently ignores an unknown query parameter and would
        answer a lookup with every complaint instead of a 404."""
        spec = await self._spec(service)
        operation = spec.get("paths", {}).get(path, {}).get(method.lower())
        if operation is None:
            return False
        if param is None:
            return True
        return any(p.get("name") == param for p in operation.get("parameters", []))

    async def _spec(self, service: str) -> dict[str, Any]:
        cached = self._specs.get(service)
        now = time.monotonic()
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            reply = await self._client.get(self._base[service] + "/openapi.json")
            spec = reply.json() if reply.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            spec = {}
        if spec:
            self._specs[service] = (now, spec)
        return spec
