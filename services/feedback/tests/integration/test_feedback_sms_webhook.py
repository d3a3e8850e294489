"""The SMS webhook provider against a real HTTP server: what the gateway receives, and how
its replies are classified for retrying."""

from __future__ import annotations

import pytest

from closeloop_feedback.adapters.providers import OutgoingMessage, SendFailed
from closeloop_feedback.adapters.sms_webhook import WebhookSmsProvider
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.notices import Language, Template
from closeloop_feedback.domain.retry import FailureKind
from closeloop_feedback.testing import Gateway

pytestmark = pytest.mark.integration


MESSAGE = OutgoingMessage(
    notification_id="n-sms-1",
    complaint_id="cmp-1",
    channel=NotifyChannel.sms,
    template=Template.acknowledged,
    language=Language.zh_cn,
    recipient="+8613800138000",
    subject="s",
    text="【客户服务中心】我们已受理您的投诉",
)


async def test_gateway_receives_the_text_with_an_idempotency_key(gateway: Gateway) -> None:
    await WebhookSmsProvider(gateway.url).send(MESSAGE)
    [(headers, body)] = gateway.requests
    assert headers["Idempotency-Key"] == "n-sms-1"
    assert body == {
        "to": "+8613800138000",
        "text": "【客户服务中心】我们已受理您的投诉",
        "reference": "n-sms-1",
        "language": "zh-CN",
    }


@pytest.mark.parametrize(("status", "kind"), [(503, "transient"), (400, "permanent")])
async def test_gateway_errors_are_classified(gateway: Gateway, status: int, kind: str) -> None:
    gateway.status = status
    with pytest.raises(SendFailed) as caught:
        await WebhookSmsProvider(gateway.url).send(MESSAGE)
    assert caught.value.kind is FailureKind(kind)
    assert "+86" not in caught.value.reason  # no personal data in what gets recorded


async def test_unreachable_gateway_is_transient(gateway: Gateway) -> None:
    gateway.server.shutdown()
    gateway.server.server_close()
    with pytest.raises(SendFailed) as caught:
        await WebhookSmsProvider(gateway.url, timeout_s=1).send(MESSAGE)
    assert caught.value.kind is FailureKind.transient
