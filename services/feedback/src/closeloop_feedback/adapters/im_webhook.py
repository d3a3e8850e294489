"""Department chat notifications through an incoming (bot) webhook of WeCom (企业微信),
DingTalk (钉钉) or Slack, in the JSON each platform accepts:

- WeCom and DingTalk: ``{"msgtype": "text", "text": {"content": ...}}``;
- Slack: ``{"text": ...}``.

DingTalk robots with "加签" security sign each call: ``timestamp`` (ms) and ``sign`` =
base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), both added to the URL's query.
WeCom and Slack webhooks carry their secret in the URL itself and are not signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from closeloop_feedback.adapters.providers import SendFailed
from closeloop_feedback.domain.retry import FailureKind, classify_http_status


class ImPlatform(StrEnum):
    wecom = "wecom"
    dingtalk = "dingtalk"
    slack = "slack"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of one call."""
    material = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(platform: ImPlatform, text: str) -> dict[str, Any]:
    """The message body ``platform`` accepts."""
    if platform is ImPlatform.slack:
        return {"text": text}
    return {"msgtype": "text", "text": {"content": text}}


@dataclass(frozen=True)
class ImWebhook:
    """One department's chat webhook (its URL and secret are credentials: never logged)."""

    platform: ImPlatform
    url: str = field(repr=False)
    secret: str = field(default="", repr=False)
    timeout_s: float = 5

    async def post(self, text: str) -> None:
        """Post ``text``, or raise :class:`SendFailed` saying whether a retry may help."""
        params: dict[str, str] = {}
        if self.platform is ImPlatform.dingtalk and self.secret:
            stamp = int(time.time() * 1000)
            params = {"timestamp": str(stamp), "sign": dingtalk_sign(self.secret, stamp)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                # Merged into the URL's own query (which holds the access token).
                url = httpx.URL(self.url).copy_merge_params(params)
                reply = await client.post(url, json=payload(self.platform, text))
        except httpx.HTTPError as exc:
            raise SendFailed(FailureKind.transient, type(exc).__name__) from None
        if reply.status_code >= 300:
            kind = classify_http_status(reply.status_code)
            raise SendFailed(kind, f"{self.platform.value} webhook HTTP {reply.status_code}")
        _check_platform_reply(self.platform, reply)


def _check_platform_reply(platform: ImPlatform, reply: httpx.Response) -> None:
    """WeCom and DingTalk answer HTTP 200 with ``errcode`` != 0 when they refuse."""
    if platform is ImPlatform.slack:
        return
    try:
        body = reply.json()
    except ValueError:
        return
    code = body.get("errcode", 0) if isinstance(body, dict) else 0
    if code:
        raise SendFailed(FailureKind.permanent, f"{platform.value} refused: errcode {code}")
