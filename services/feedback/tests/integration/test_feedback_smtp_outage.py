"""Acceptance: with the SMTP server down, notifications are retried; once it is back, each
mail arrives exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from closeloop_devstack.smtp_sink import SmtpSinkProcess
from closeloop_feedback.adapters.smtp_provider import message_id
from closeloop_feedback.testing import (
    acknowledged,
    eventually,
    new_complaint_id,
    received,
    resolved,
    settings_for,
    start_feedback,
)

pytestmark = pytest.mark.integration


async def test_notifications_survive_an_smtp_outage_and_arrive_once(
    kafka_bootstrap: str,
    mongo_uri: str,
    smtp_sink: SmtpSinkProcess,
    unique_name: Callable[[str], str],
    mails_of: Callable[[str], list[dict[str, Any]]],
) -> None:
    settings = settings_for(
        kafka_bootstrap,
        mongo_uri,
        unique_name("outage"),
        smtp_port=smtp_sink.port,
        notify_max_attempts=100,
    )
    async with start_feedback(settings) as fb:
        smtp_sink.stop()
        try:
            cid = new_complaint_id()
            await fb.send(
                received(cid, settings, email="outage@example.com"),
                acknowledged(cid),
                resolved(cid),
            )

            async def retried() -> list[dict[str, Any]] | None:
                found = await fb.notifications(cid)
                templates = {n["template"] for n in found if n["status"] != "sent"}
                retrying = [n for n in found if any(a["result"] == "retry" for a in n["history"])]
                ready = {"acknowledged", "resolved", "survey"} <= templates and len(retrying) == 3
                return found if ready and all(n["attempts"] >= 2 for n in retrying) else None

            await eventually(retried, within_s=30, what="retries while SMTP is down")
            assert mails_of(cid) == []
        finally:
            smtp_sink.start()

        async def all_sent() -> list[dict[str, Any]] | None:
            found = await fb.notifications(cid)
            return found if found and all(n["status"] == "sent" for n in found) else None

        sent = await eventually(all_sent, within_s=30, what="delivery after SMTP is back")
        assert len(sent) == 3
        delivered = Counter(m["message_id"] for m in mails_of(cid))
        assert delivered == Counter({message_id(n["id"]): 1 for n in sent})
        for notification in sent:
            assert notification["history"][-1]["result"] == "sent"
            assert all(a["result"] == "retry" for a in notification["history"][:-1])
        metrics = (await fb.client.get("/metrics")).text
        assert 'result="retried",template="acknowledged"}' in metrics
        sent_events = await eventually(
            lambda: _async(len(fb.watcher.of(cid, "notification.sent")) == 3),
            what="NotificationSent events",
        )
        assert sent_events is True


async def _async(value: Any) -> Any:
    return value
