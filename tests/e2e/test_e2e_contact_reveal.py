"""An audited reveal on the real stack: intake returns the contact data in clear to a
``pii:read`` caller, refuses the others, and the audit log chains "contact revealed by X"
into the complaint's trail, without the data."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from e2e_env import E2E, auth

from closeloop_devstack.waiting import eventually
from closeloop_shared.auth import Role

pytestmark = pytest.mark.e2e
REVEALED = "closeloop.intake.complaint.contact_revealed.v1"
AUDITOR = auth(Role.auditor, sub="reveal-auditor")


async def test_a_reveal_is_refused_without_pii_read_and_audited_with_it(e2e: E2E) -> None:
    phone = f"+86137{uuid.uuid4().int % 10**8:08d}"
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "赵敏", "phone": phone},
        "description": "账单重复扣费两次",
        "category": "billing",
        "received_by": "agent-007",
    }
    async with httpx.AsyncClient(timeout=30.0) as client:
        created = await client.post(
            e2e.url("intake", "/v1/complaints"),
            json=body,
            headers=auth(Role.agent, sub="agent-007"),
        )
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        reveal = e2e.url("intake", f"/v1/complaints/{cid}/contact/reveal")
        refused = await client.post(reveal, headers=AUDITOR)
        assert refused.status_code == 403, refused.text
        shown = await client.post(reveal, headers=auth(Role.supervisor, sub="sup-reveal"))
        assert shown.status_code == 200 and shown.json()["phone"] == phone, shown.text

        async def audited() -> list[dict[str, Any]] | None:
            trail = await client.get(
                e2e.url("audit", f"/v1/audit/complaints/{cid}"),
                headers=AUDITOR,
                params={"limit": 1000},
            )
            if trail.status_code == 404:  # the audit has not read the complaint's events yet
                return None
            assert trail.status_code == 200, trail.text
            entries: list[dict[str, Any]] = trail.json()["entries"]
            return [e for e in entries if e["event_type"] == REVEALED] or None

        [entry] = await eventually(audited, within=90, what=f"{cid}'s reveal audited")
        assert entry["subject"] == cid
        # "contact revealed by sup-reveal" (the refused call left no entry: just one above)
        assert entry["actor"] == {"subject": "sup-reveal", "role": "supervisor"}
        assert phone not in str(entry) and phone[-8:] not in str(entry)
        verdict = await client.get(e2e.url("audit", "/v1/audit/verify"), headers=AUDITOR)
        assert verdict.status_code == 200 and verdict.json()["ok"] is True, verdict.text
