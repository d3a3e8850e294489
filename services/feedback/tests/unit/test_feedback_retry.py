import pytest

from closeloop_feedback.domain.retry import (
    FailureKind,
    RetryPolicy,
    classify_http_status,
    classify_smtp_reply,
)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_s=2, max_s=30)
    assert [policy.delay_after(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_transient_failures_retry_until_the_budget_is_spent() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(1, FailureKind.transient)
    assert policy.should_retry(2, FailureKind.transient)
    assert not policy.should_retry(3, FailureKind.transient)


def test_permanent_failures_are_never_retried() -> None:
    assert not RetryPolicy(max_attempts=10).should_retry(1, FailureKind.permanent)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (421, "transient"),
        (451, "transient"),
        (550, "permanent"),
        (554, "permanent"),
        (-1, "transient"),
    ],
)
def test_smtp_reply_classes(code: int, kind: str) -> None:
    assert classify_smtp_reply(code) is FailureKind(kind)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (500, "transient"),
        (503, "transient"),
        (429, "transient"),
        (400, "permanent"),
        (404, "permanent"),
    ],
)
def test_http_provider_status_classes(status: int, kind: str) -> None:
    assert classify_http_status(status) is FailureKind(kind)
