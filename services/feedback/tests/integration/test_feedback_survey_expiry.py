"""Acceptance: one reminder, then the survey expires; its link is refused afterwards and
the refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from closeloop_devstack.smtp_sink import SmtpSinkProcess
from closeloop_feedback.testing import (
    SURVEY_LINK,
    eventually,
    new_complaint_id,
    received,
    resolved,
    routed,
    settings_for,
    start_feedback,
)

pytestmark = pytest.mark.integration


async def test_survey_is_reminded_once_then_expires_and_its_link_is_refused(
    kafka_bootstrap: str,
    mongo_uri: str,
    smtp_sink: SmtpSinkProcess,
    unique_name: Callable[[str], str],
    mails_of: Callable[[str], list[dict[str, Any]]],
) -> None:
    settings = settings_for(
        kafka_bootstrap,
        mongo_uri,
        unique_name("expiry"),
        smtp_port=smtp_sink.port,
        survey_reminder_after_s=1.0,
        survey_expire_after_s=2.5,
    )
    async with start_feedback(settings) as fb:
        cid = new_complaint_id()
        await fb.send(received(cid, settings, email="late@example.com"), routed(cid, "billing"))
        await fb.send(resolved(cid))

        async def expired() -> list[dict[str, Any]] | None:
            surveys = await fb.surveys(cid)
            return surveys if surveys and surveys[0]["status"] == "expired" else None

        [survey] = await eventually(expired, what="survey expiry")
        assert survey["reminded_at"] is not None and survey["answered_at"] is None
        templates = [m["template"] for m in mails_of(cid)]
        assert templates.count("survey") == 1
        assert templates.count("survey_reminder") == 1
        links = {
            SURVEY_LINK.search(m["body"]).group(1)  # type: ignore[union-attr]
            for m in mails_of(cid)
            if m["template"].startswith("survey")
        }
        assert len(links) == 1  # the reminder repeats the same single-use link
        path = f"/v1/surveys/{links.pop()}"

        page = await fb.client.get(f"{path}?lang=en")
        assert page.status_code == 410 and "expired" in page.text
        refused = await fb.client.post(path, json={"score": 5, "solved": True})
        assert refused.status_code == 410 and refused.json()["error"] == "expired"

        assert await fb.surveys(cid) == [survey]
        await eventually(lambda: _async(fb.watcher.of(cid, "survey.expired")), what="SurveyExpired")
        assert fb.watcher.of(cid, "survey.answered") == []
        sent = [e.data.model_dump() for e in fb.watcher.of(cid, "survey.sent")]
        assert sorted(s["reminder"] for s in sent) == [False, True]


async def _async(value: Any) -> Any:
    return value
