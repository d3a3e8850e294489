"""Acceptance: resolve → survey mail with a working link → answers recorded once, unhappy
answers emit CustomerDissatisfied; refused links change nothing; the phone path; CSAT."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from closeloop_feedback.testing import (
    SURVEY_LINK,
    FeedbackUnderTest,
    acknowledged,
    assigned,
    eventually,
    new_complaint_id,
    received,
    resolved,
    routed,
)
from closeloop_shared.auth import Role
from closeloop_shared.events.feedback import CustomerDissatisfied, SurveyAnswered

pytestmark = pytest.mark.integration
MailsOf = Callable[[str], list[dict[str, Any]]]
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def _survey_path(mails_of: MailsOf, cid: str) -> str:
    async def probe() -> str | None:
        for mail in mails_of(cid):
            match = SURVEY_LINK.search(mail["body"]) if mail["template"] == "survey" else None
            if match:
                return f"/v1/surveys/{match.group(1)}"
        return None

    return await eventually(probe, what=f"survey mail for {cid}")


async def _resolved_with_survey(
    fb: FeedbackUnderTest, mails_of: MailsOf, *, language: str, department: str
) -> tuple[str, str]:
    cid = new_complaint_id()
    await fb.send(
        received(cid, fb.settings, email=f"{cid}@example.com", language=language),
        routed(cid, department),
    )
    await fb.send(resolved(cid))
    return cid, await _survey_path(mails_of, cid)


async def test_survey_mail_link_opens_the_form_and_a_5_records_satisfaction(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    cid, path = await _resolved_with_survey(feedback, mails_of, language="en", department="billing")
    page = await feedback.client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post"' in page.text and "Send my answer" in page.text

    answer = await feedback.client.post(
        path, content="score=5&solved=yes&comment=Quick+and+fair&lang=en", headers=FORM
    )
    assert answer.status_code == 200
    assert "Thank you for your answer" in answer.text

    [survey] = await feedback.surveys(cid)
    assert survey["status"] == "answered"
    assert survey["answer"] == {
        "score": 5,
        "solved": True,
        "via": "web",
        "by": None,
        "comment": "Quick and fair",
    }
    answered = await eventually(
        lambda: _async(feedback.watcher.of(cid, "survey.answered")), what="SurveyAnswered"
    )
    body = answered[0].data
    assert isinstance(body, SurveyAnswered)
    assert (body.score, body.solved, body.department) == (5, True, "billing")
    assert feedback.watcher.of(cid, "complaint.dissatisfied") == []
    decision = next(m for m in mails_of(cid) if m["template"] == "resolved")
    assert "Decision: upheld" in decision["body"] and "Basis: Tariff rule 4.2" in decision["body"]


async def test_a_score_of_1_emits_customer_dissatisfied(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    cid, path = await _resolved_with_survey(
        feedback, mails_of, language="zh-CN", department="logistics"
    )
    page = await feedback.client.get(path)
    assert page.status_code == 200 and "提交评价" in page.text
    answer = await feedback.client.post(
        path, content="score=1&solved=no&comment=&lang=zh-CN", headers=FORM
    )
    assert answer.status_code == 200 and "很抱歉" in answer.text
    events = await eventually(
        lambda: _async(feedback.watcher.of(cid, "complaint.dissatisfied")),
        what="CustomerDissatisfied",
    )
    assert len(events) == 1
    body = events[0].data
    assert isinstance(body, CustomerDissatisfied)
    assert (body.complaint_id, body.score, body.solved) == (cid, 1, False)
    assert events[0].subject == cid  # keyed by complaint: intake reopens it in order


async def test_reused_and_forged_links_are_refused_and_change_nothing(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    cid, path = await _resolved_with_survey(feedback, mails_of, language="en", department="billing")
    first = await feedback.client.post(path, json={"score": 4, "solved": True})
    assert first.status_code == 200
    await eventually(lambda: _async(feedback.watcher.of(cid, "survey.answered")))
    before = await feedback.surveys(cid)

    reused = await feedback.client.post(path, json={"score": 1, "solved": False})
    assert reused.status_code == 409
    assert reused.json()["error"] == "already_answered"
    reused_form = await feedback.client.post(path, content="score=1&solved=no", headers=FORM)
    assert reused_form.status_code == 409 and "already answered" in reused_form.text.lower()

    survey_id, expires, signature = path.rsplit("/", 1)[1].split(".")
    forged_sig = "A" + signature[1:] if signature[0] != "A" else "B" + signature[1:]
    forged = await feedback.client.post(
        f"/v1/surveys/{survey_id}.{expires}.{forged_sig}", json={"score": 1, "solved": False}
    )
    assert forged.status_code == 403 and forged.json()["error"] == "invalid_token"
    stretched = await feedback.client.post(
        f"/v1/surveys/{survey_id}.{int(expires) + 3600}.{signature}",
        json={"score": 1, "solved": False},
    )
    assert stretched.status_code == 403
    garbage = await feedback.client.get("/v1/surveys/not-a-token?lang=en")
    assert garbage.status_code == 400 and "not valid" in garbage.text

    assert await feedback.surveys(cid) == before
    assert len(feedback.watcher.of(cid, "survey.answered")) == 1
    assert feedback.watcher.of(cid, "complaint.dissatisfied") == []


async def test_invalid_answers_are_refused_with_each_field_named(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    cid, path = await _resolved_with_survey(feedback, mails_of, language="en", department="billing")
    bad = await feedback.client.post(path, json={"score": 9, "solved": "maybe"})
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"score", "solved"}
    bad_form = await feedback.client.post(path, content="score=&solved=yes", headers=FORM)
    assert bad_form.status_code == 422 and "Please choose a score" in bad_form.text
    [survey] = await feedback.surveys(cid)
    assert survey["status"] == "sent"  # still answerable

    limited = None
    for _ in range(10):
        reply = await feedback.client.post(path, json={"score": 0, "solved": True})
        if reply.status_code == 429:
            limited = reply
            break
    assert limited is not None and int(limited.headers["Retry-After"]) >= 1


async def test_phone_callback_survey_is_answered_by_an_agent(feedback: FeedbackUnderTest) -> None:
    cid = new_complaint_id()
    await feedback.send(
        received(cid, feedback.settings, phone="+8613800138000", channel="phone", language="zh-CN")
    )
    await feedback.send(resolved(cid))

    async def survey_task() -> dict[str, Any] | None:
        reply = await feedback.client.get("/v1/callback-tasks", headers=feedback.auth())
        tasks = [t for t in reply.json() if t["complaint_id"] == cid and t["survey_id"]]
        return tasks[0] if tasks else None

    task = await eventually(survey_task, what="callback task")
    assert task["customer_phone"] == "+8613800138000" and "满意" in task["script"]
    masked = await feedback.client.get(
        "/v1/callback-tasks", headers=feedback.auth(Role.agent, scopes=())
    )
    assert all(t["customer_phone"] == "***" for t in masked.json() if t["complaint_id"] == cid)
    denied = await feedback.client.get(
        "/v1/callback-tasks", headers=feedback.auth(Role.department, departments=("billing",))
    )
    assert denied.status_code == 403

    answer = await feedback.client.post(
        f"/v1/surveys/{task['survey_id']}/phone-answer",
        json={"score": 2, "solved": True, "comment": "still waiting for the refund"},
        headers=feedback.auth(sub="agent-42"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["answer"]["via"] == "phone"
    assert answer.json()["answer"]["by"] == "agent-42"
    again = await feedback.client.post(
        f"/v1/surveys/{task['survey_id']}/phone-answer",
        json={"score": 5, "solved": True},
        headers=feedback.auth(),
    )
    assert again.status_code == 409
    events = await eventually(
        lambda: _async(feedback.watcher.of(cid, "complaint.dissatisfied")),
        what="CustomerDissatisfied",
    )
    assert events[0].data.model_dump()["score"] == 2

    done = await feedback.client.post(
        f"/v1/callback-tasks/{task['id']}/complete",
        json={"note": "called"},
        headers=feedback.auth(),
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    twice = await feedback.client.post(
        f"/v1/callback-tasks/{task['id']}/complete", json={}, headers=feedback.auth()
    )
    assert twice.status_code == 409


async def test_a_customer_without_contact_is_a_recorded_failure(
    feedback: FeedbackUnderTest,
) -> None:
    cid = new_complaint_id()
    await feedback.send(received(cid, feedback.settings), resolved(cid))

    # The resolution notice and the survey both fail (no contact); their order is not fixed.
    def failed_templates() -> list[str]:
        return [
            e.data.model_dump()["template"] for e in feedback.watcher.of(cid, "notification.failed")
        ]

    templates = await eventually(
        lambda: _async([t for t in failed_templates() if t == "resolved"]),
        what="NotificationFailed for the resolution notice",
    )
    assert templates == ["resolved"]
    [record] = [n for n in await feedback.notifications(cid) if n["template"] == "resolved"]
    assert record["status"] == "failed" and record["last_error"]
    metrics = (await feedback.client.get("/metrics")).text
    failed_series = (
        'closeloop_notifications_total{channel="none",result="failed",template="resolved"}'
    )
    assert failed_series in metrics


async def test_kpi_report_gives_csat_per_department(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    happy_dept, unhappy_dept = new_complaint_id(), new_complaint_id()  # unique department names
    for dept, answers in ((happy_dept, ("5", "yes")), (unhappy_dept, ("2", "yes"))):
        _, path = await _resolved_with_survey(feedback, mails_of, language="en", department=dept)
        reply = await feedback.client.post(
            path, content=f"score={answers[0]}&solved={answers[1]}", headers=FORM
        )
        assert reply.status_code == 200
    supervisor = feedback.auth(Role.supervisor)
    report = await feedback.client.get(
        "/v1/reports/kpi", params={"group_by": "department"}, headers=supervisor
    )
    assert report.status_code == 200
    rows = {r["department"]: r for r in report.json()["satisfaction"]["rows"]}
    assert report.json()["handling"]["group_by"] == "department"  # the merged handling KPIs
    assert (rows[happy_dept]["answered"], rows[happy_dept]["csat"]) == (1, 1.0)
    assert rows[happy_dept]["target_met"] is True
    assert (rows[unhappy_dept]["dissatisfied"], rows[unhappy_dept]["csat"]) == (1, 0.0)

    by_period = await feedback.client.get(
        "/v1/reports/kpi",
        params={
            "group_by": "department,period",
            "period": "month",
            "format": "csv",
            "section": "satisfaction",
        },
        headers=supervisor,
    )
    assert by_period.headers["content-type"].startswith("text/csv")
    lines = by_period.text.splitlines()
    assert lines[0].startswith("department,period,answered,satisfied,dissatisfied,expired,csat")
    assert any(line.startswith(f"{happy_dept},20") and ",1.0," in line for line in lines)

    scoped = await feedback.client.get(
        "/v1/reports/kpi", headers=feedback.auth(Role.department, departments=(happy_dept,))
    )
    assert [r["department"] for r in scoped.json()["satisfaction"]["rows"]] == [happy_dept]
    bad = await feedback.client.get(
        "/v1/reports/kpi", params={"from": "soon", "group_by": "team"}, headers=supervisor
    )
    assert bad.status_code == 422
    metrics = (await feedback.client.get("/metrics")).text
    assert "closeloop_csat_ratio " in metrics
    assert 'closeloop_surveys_total{outcome="dissatisfied"}' in metrics


async def test_a_redelivered_resolution_creates_nothing_new(
    feedback: FeedbackUnderTest, mails_of: MailsOf
) -> None:
    cid = new_complaint_id()
    resolution = resolved(cid)
    await feedback.send(received(cid, feedback.settings, email=f"{cid}@example.com"), resolution)
    await _survey_path(mails_of, cid)
    await feedback.send(resolution)  # the same event (same id) delivered again
    await feedback.send(acknowledged(cid, version=4))  # a later event, same partition

    async def after_redelivery() -> list[dict[str, Any]] | None:
        found = await feedback.notifications(cid)
        return found if any(n["template"] == "acknowledged" for n in found) else None

    notifications = await eventually(after_redelivery, what="the event after the redelivery")
    assert sorted(n["template"] for n in notifications) == ["acknowledged", "resolved", "survey"]
    assert len(await feedback.surveys(cid)) == 1
    await eventually(lambda: _async(len(mails_of(cid)) == 3), what="three mails")
    assert sorted(m["template"] for m in mails_of(cid)) == ["acknowledged", "resolved", "survey"]


async def _async(value: Any) -> Any:
    return value


async def test_kpi_satisfaction_per_agent(feedback: FeedbackUnderTest, mails_of: MailsOf) -> None:
    """``group_by=agent`` groups the satisfaction section by the agent who had the
    complaint when it was resolved (and the handling section by agent, as before)."""
    agent = f"agent-{new_complaint_id()[-6:]}"
    cid = new_complaint_id()
    await feedback.send(
        received(cid, feedback.settings, email=f"{cid}@example.com", language="en"),
        routed(cid, "billing"),
        assigned(cid, "billing", agent),
    )
    await feedback.send(resolved(cid))
    path = await _survey_path(mails_of, cid)
    answer = await feedback.client.post(path, json={"score": 2, "solved": False})
    assert answer.status_code == 200, answer.text
    await eventually(
        lambda: _async(feedback.watcher.of(cid, "survey.answered")), what="SurveyAnswered"
    )
    reply = await feedback.client.get(
        "/v1/reports/kpi?group_by=agent", headers=feedback.auth(Role.supervisor)
    )
    assert reply.status_code == 200, reply.text
    report = reply.json()
    [row] = [r for r in report["satisfaction"]["rows"] if r["agent"] == agent]
    assert (row["answered"], row["satisfied"], row["dissatisfied"], row["csat"]) == (1, 0, 1, 0.0)
    assert report["group_by"] == ["agent"]
    csv_reply = await feedback.client.get(
        "/v1/reports/kpi?group_by=agent&format=csv&section=satisfaction",
        headers=feedback.auth(Role.supervisor),
    )
    [line] = [x for x in csv_reply.text.splitlines() if x.endswith(f",{agent}")]
    assert line.startswith(",,1,0,1,0,0.0,")  # no department or period, 1 answered, CSAT 0
