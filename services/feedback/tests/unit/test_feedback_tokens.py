from datetime import UTC, datetime, timedelta

import pytest

from closeloop_feedback.domain.tokens import TokenProblem, TokenRejected, sign_token, verify_token

SECRET = "test-secret"
SURVEY = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _problem(token: str, *, secret: str = SECRET, now: datetime = NOW) -> TokenProblem:
    with pytest.raises(TokenRejected) as caught:
        verify_token(token, secret, now=now)
    return caught.value.problem


def test_signed_token_grants_its_survey_until_expiry() -> None:
    token = sign_token(SURVEY, NOW + timedelta(days=2), SECRET)
    grant = verify_token(token, SECRET, now=NOW)
    assert grant.survey_id == SURVEY
    assert grant.expires_at == NOW + timedelta(days=2)


def test_token_for_another_survey_is_forged() -> None:
    token = sign_token(SURVEY, NOW + timedelta(days=2), SECRET)
    other = "f" * 32 + token[32:]
    assert _problem(other) is TokenProblem.forged


def test_token_with_a_later_expiry_is_forged() -> None:
    survey, expires, signature = sign_token(SURVEY, NOW + timedelta(hours=1), SECRET).split(".")
    stretched = f"{survey}.{int(expires) + 86400}.{signature}"
    assert _problem(stretched) is TokenProblem.forged


def test_token_signed_with_another_secret_is_forged() -> None:
    token = sign_token(SURVEY, NOW + timedelta(days=2), "someone-else")
    assert _problem(token) is TokenProblem.forged


def test_token_past_its_expiry_is_expired() -> None:
    token = sign_token(SURVEY, NOW + timedelta(days=2), SECRET)
    assert _problem(token, now=NOW + timedelta(days=2)) is TokenProblem.expired


def test_forged_token_is_reported_forged_even_when_also_expired() -> None:
    token = sign_token(SURVEY, NOW - timedelta(days=1), "someone-else")
    assert _problem(token) is TokenProblem.forged


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", f"{SURVEY}.soon.sig", "x" * 32 + ".1.s"])
def test_garbage_is_malformed(token: str) -> None:
    assert _problem(token) is TokenProblem.malformed


def test_token_is_url_safe() -> None:
    token = sign_token(SURVEY, NOW + timedelta(days=2), SECRET)
    assert all(c.isalnum() or c in "-_." for c in token)
