from datetime import UTC, datetime, timedelta

import pytest

from closeloop_feedback.domain.survey import (
    AnswerInvalid,
    StepKind,
    SurveyPolicy,
    SurveyStatus,
    is_dissatisfied,
    is_satisfied,
    next_step,
    parse_answer,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POLICY = SurveyPolicy(
    delay=timedelta(minutes=10), reminder_after=timedelta(days=2), expire_after=timedelta(days=5)
)


def test_survey_is_sent_after_the_delay_but_not_after_the_callback_deadline() -> None:
    assert POLICY.send_at(NOW) == NOW + timedelta(minutes=10)
    assert POLICY.send_at(NOW, NOW + timedelta(minutes=3)) == NOW + timedelta(minutes=3)
    assert POLICY.send_at(NOW, NOW - timedelta(hours=1)) == NOW


def test_sending_plans_one_reminder_then_expiry() -> None:
    step = next_step(SurveyStatus.scheduled, now=NOW, policy=POLICY, expires_at=None)
    assert step is not None
    assert step.kind is StepKind.send
    assert step.next_status is SurveyStatus.sent
    assert step.next_due == NOW + timedelta(days=2)
    assert step.expires_at == NOW + timedelta(days=5)


def test_retried_send_keeps_the_planned_expiry() -> None:
    planned = NOW + timedelta(days=5)
    later = NOW + timedelta(seconds=30)
    step = next_step(SurveyStatus.scheduled, now=later, policy=POLICY, expires_at=planned)
    assert step is not None
    assert step.expires_at == planned
    assert step.next_due == NOW + timedelta(days=2)


def test_reminder_goes_once_and_then_the_survey_expires() -> None:
    expires = NOW + timedelta(days=3)
    remind = next_step(SurveyStatus.sent, now=NOW, policy=POLICY, expires_at=expires)
    assert remind is not None
    assert (remind.kind, remind.next_status, remind.next_due) == (
        StepKind.remind,
        SurveyStatus.reminded,
        expires,
    )
    expire = next_step(SurveyStatus.reminded, now=expires, policy=POLICY, expires_at=expires)
    assert expire is not None
    assert (expire.kind, expire.next_status, expire.next_due) == (
        StepKind.expire,
        SurveyStatus.expired,
        None,
    )


def test_reminder_not_later_than_expiry_is_skipped() -> None:
    short = SurveyPolicy(timedelta(0), timedelta(days=5), timedelta(days=5))
    step = next_step(SurveyStatus.scheduled, now=NOW, policy=short, expires_at=None)
    assert step is not None
    assert step.next_status is SurveyStatus.reminded


def test_a_late_reminder_timer_expires_instead() -> None:
    step = next_step(SurveyStatus.sent, now=NOW, policy=POLICY, expires_at=NOW)
    assert step is not None and step.kind is StepKind.expire


@pytest.mark.parametrize(
    "status", [SurveyStatus.answered, SurveyStatus.expired, SurveyStatus.cancelled]
)
def test_finished_surveys_have_no_timer(status: SurveyStatus) -> None:
    assert next_step(status, now=NOW, policy=POLICY, expires_at=NOW) is None


@pytest.mark.parametrize(
    ("score", "solved", "dissatisfied", "satisfied"),
    [
        (1, True, True, False),
        (2, True, True, False),
        (3, True, False, False),
        (4, True, False, True),
        (5, True, False, True),
        (5, False, True, False),
    ],
)
def test_dissatisfaction_rule(
    score: int, solved: bool, dissatisfied: bool, satisfied: bool
) -> None:
    assert is_dissatisfied(score, solved) is dissatisfied
    assert is_satisfied(score, solved) is satisfied


def test_form_values_are_parsed() -> None:
    answer = parse_answer("5", "yes", "  thanks  ")
    assert (answer.score, answer.solved, answer.comment) == (5, True, "thanks")
    assert parse_answer(1, False, None).solved is False


@pytest.mark.parametrize(
    ("score", "solved", "comment", "bad"),
    [
        ("0", "yes", "", {"score"}),
        ("6", "no", "", {"score"}),
        ("five", "maybe", "", {"score", "solved"}),
        (True, "yes", "", {"score"}),
        (None, None, "x" * 2001, {"score", "solved", "comment"}),
    ],
)
def test_invalid_answers_name_every_bad_field(
    score: object, solved: object, comment: object, bad: set[str]
) -> None:
    with pytest.raises(AnswerInvalid) as caught:
        parse_answer(score, solved, comment)
    assert set(caught.value.problems) == bad
