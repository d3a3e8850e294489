"""The public survey under hostile use: deep JSON, floods per link, framing; and the same
bounds on an authenticated endpoint."""

from __future__ import annotations

import uuid

import pytest

from closeloop_feedback.testing import FeedbackUnderTest
from closeloop_shared.auth import Role

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def _nested(depth: int) -> str:
    return '{"score": ' + "[" * depth + "]" * depth + ', "solved": true}'


def _link() -> str:
    """A well-formed survey link for a survey that does not exist (refused after limits)."""
    return f"/v1/surveys/{uuid.uuid4().hex}.1999999999.{'a' * 43}"


async def test_a_body_nested_1000_deep_on_the_survey_is_a_400_naming_the_problem(
    feedback: FeedbackUnderTest,
) -> None:
    reply = await feedback.client.post(_link(), content=_nested(1000), headers=JSON)
    assert reply.status_code == 400
    assert reply.json()["error"] == "too_deep" and "nests deeper" in reply.json()["message"]
    # The service is unharmed: a sane body on the same kind of link gets its usual refusal.
    sane = await feedback.client.post(_link(), json={"score": 5, "solved": True})
    assert sane.status_code in (403, 404), sane.text


async def test_a_deep_body_on_an_authenticated_endpoint_is_refused_the_same_way(
    feedback: FeedbackUnderTest,
) -> None:
    reply = await feedback.client.post(
        f"/v1/surveys/{uuid.uuid4().hex}/phone-answer",
        content=_nested(1000),
        headers={**JSON, **feedback.auth(Role.agent, sub="deep-agent")},
    )
    assert reply.status_code == 400 and reply.json()["error"] == "too_deep"


async def test_the_survey_is_limited_per_link_not_per_client_address(
    feedback: FeedbackUnderTest,
) -> None:
    burst = feedback.settings.survey_rate_per_token
    links = [_link() for _ in range(5)]
    # Every request comes from the same client address; 5 links x burst is more than the
    # old per-address bucket (20) allowed, and none of them is over its own link's limit.
    for link in links:
        for _ in range(burst):
            reply = await feedback.client.post(link, json={"score": 5, "solved": True})
            assert reply.status_code != 429, reply.text
    flooded = await feedback.client.post(links[0], json={"score": 5, "solved": True})
    assert flooded.status_code == 429 and int(flooded.headers["retry-after"]) >= 1
    fresh = await feedback.client.post(_link(), json={"score": 5, "solved": True})
    assert fresh.status_code != 429


async def test_survey_pages_forbid_framing_and_scripts(feedback: FeedbackUnderTest) -> None:
    page = await feedback.client.get(_link().replace(".1999999999.", ".1."))
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
