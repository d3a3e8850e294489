"""R4: a complex complaint has 5 working days, and when it runs late the customer is told
why — through the real broker, database and SMTP sink."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from closeloop_feedback.testing import (
    FeedbackUnderTest,
    eventually,
    new_complaint_id,
    received,
)
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.sla import ClockBreached

pytestmark = pytest.mark.integration
COMPLEX_WHY = "complex case that several departments must investigate together"


def _resolution_breached(cid: str, severity: str) -> CloudEvent:
    now = datetime.now(UTC)
    body = ClockBreached(
        complaint_id=cid,
        at=now,
        clock="resolution",
        policy_id=severity,
        policy_version=1,
        severity=severity,
        deadline=now - timedelta(minutes=1),
        detected_at=now,
    )
    return CloudEvent.of(body, source="closeloop.sla", subject=cid)


async def test_a_late_complex_complaint_tells_the_customer_why(
    feedback: FeedbackUnderTest, mails_of: Callable[[str], list[dict[str, Any]]]
) -> None:
    bodies = {}
    for severity in ("complex", "normal"):
        cid = new_complaint_id()
        await feedback.send(
            received(cid, feedback.settings, email=f"{cid}@example.com", severity=severity)
        )
        await feedback.send(_resolution_breached(cid, severity))

        async def delayed(cid: str = cid) -> str | None:
            found = [m for m in mails_of(cid) if m["template"] == "delayed"]
            return str(found[0]["body"]) if found else None

        bodies[severity] = await eventually(delayed, what=f"{severity} delay notice")
    assert COMPLEX_WHY in bodies["complex"]
    assert COMPLEX_WHY not in bodies["normal"] and "took longer" in bodies["normal"]
