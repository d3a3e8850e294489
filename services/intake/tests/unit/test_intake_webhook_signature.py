"""Webhook signatures cover the timestamp and the body, and age out after the window."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from closeloop_intake.domain.webhook_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRefused,
    signed_headers,
    verify_signature,
)

SECRET = "platform-secret"
BODY = b'{"external_id": "tp-1", "description": "\xe5\xbf\xab\xe9\x80\x92\xe4\xb8\xa2\xe5\xa4\xb1"}'
NOW = 1_796_400_000


def _verify(headers: dict[str, str], *, body: bytes = BODY, now: float = NOW) -> str:
    return verify_signature(
        SECRET,
        body,
        signature=headers.get(SIGNATURE_HEADER),
        timestamp=headers.get(TIMESTAMP_HEADER),
        now=now,
        window_s=300,
    )


def _refusal(headers: dict[str, str], **kw: object) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as caught:
        _verify(headers, **kw)  # type: ignore[arg-type]
    return caught.value


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    headers = signed_headers(SECRET, BODY, timestamp=NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: f"sha256={expected}"}
    assert _verify(headers) == expected


@pytest.mark.parametrize("skew", [-300, -1, 0, 299, 300])
def test_a_signature_is_fresh_for_five_minutes_either_way(skew: int) -> None:
    assert _verify(signed_headers(SECRET, BODY, timestamp=NOW + skew))


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_an_old_or_future_timestamp_is_refused_even_when_correctly_signed(skew: int) -> None:
    refused = _refusal(signed_headers(SECRET, BODY, timestamp=NOW + skew))
    assert (refused.status, refused.code) == (401, "stale_signature")
    assert TIMESTAMP_HEADER in refused.message


def test_the_timestamp_is_signed_it_cannot_be_refreshed() -> None:
    old = signed_headers(SECRET, BODY, timestamp=NOW - 3600)
    refreshed = {**old, TIMESTAMP_HEADER: str(NOW)}
    refused = _refusal(refreshed)
    assert (refused.status, refused.code) == (401, "unauthenticated")


def test_a_body_only_signature_of_the_old_scheme_is_refused() -> None:
    body_only = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    refused = _refusal({SIGNATURE_HEADER: body_only, TIMESTAMP_HEADER: str(NOW)})
    assert refused.status == 401


def test_a_tampered_body_or_wrong_secret_is_refused() -> None:
    headers = signed_headers(SECRET, BODY, timestamp=NOW)
    assert _refusal(headers, body=BODY.replace(b"tp-1", b"tp-2")).status == 401
    assert _refusal(signed_headers("other", BODY, timestamp=NOW)).status == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SIGNATURE_HEADER: "sha256=" + "0" * 64},
        {TIMESTAMP_HEADER: str(NOW)},
        {TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "sha256=" + "0" * 64},
        {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "md5=abc"},
    ],
)
def test_missing_or_malformed_headers_are_named(headers: dict[str, str]) -> None:
    refused = _refusal(headers)
    assert refused.status == 401
    assert SIGNATURE_HEADER in refused.message or TIMESTAMP_HEADER in refused.message
