"""Schemathesis hooks (loaded through ``SCHEMATHESIS_HOOKS``): every role's token, and signed
webhook bodies.

- Each operation's generated requests take the roles in turn (admin, agent, supervisor,
  department, auditor, channel), so with N examples per operation every role calls every
  operation about N/6 times: the role checks and each role's view of the data are fuzzed,
  not only admin's. ``CLOSELOOP_SCHEMATHESIS_ROLES_LOG`` (a file) records the roles used.
- Webhook bodies are serialized here and signed with the development secret and the current
  time, so generated bodies reach the handler instead of stopping at the signature check.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import schemathesis

from closeloop_intake.config import DEV_WEBHOOK_SECRET
from closeloop_intake.domain.webhook_signature import signed_headers
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings

ROLES = (Role.admin, Role.agent, Role.supervisor, Role.department, Role.auditor, Role.channel)
_SETTINGS = ServiceSettings()
_TOKENS = {
    role: "Bearer "
    + issue_dev_token(
        _SETTINGS, role=role, sub=f"schemathesis-{role.value}", departments=("billing",)
    )
    for role in ROLES
}
_calls: Counter[str] = Counter()


def _record(role: Role) -> None:
    path = os.environ.get("CLOSELOOP_SCHEMATHESIS_ROLES_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(role.value + "\n")


def _body_bytes(case: Any) -> bytes:
    """The bytes the request will carry, fixed now so they are the ones signed."""
    if type(case.body).__name__ == "NotSet":  # a case without a body: nothing is sent
        return b""
    if not isinstance(case.body, bytes):
        case.body = json.dumps(case.body, ensure_ascii=False, default=str).encode()
    raw: bytes = case.body
    return raw


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    operation = f"{case.operation.method} {case.operation.path}"
    role = ROLES[_calls[operation] % len(ROLES)]
    _calls[operation] += 1
    chosen = {"Authorization": _TOKENS[role]}
    if "/webhook/" in case.operation.path:
        raw = _body_bytes(case)
        chosen |= signed_headers(DEV_WEBHOOK_SECRET, raw, timestamp=int(time.time()))
    # Into the case and into the call's own headers (which win over the case's), so the
    # command line's default token never replaces the chosen role's.
    case.headers = {**(case.headers or {}), **chosen}
    if isinstance(kwargs.get("headers"), dict):
        kwargs["headers"].update(chosen)
    _record(role)
