"""The pluggable provider interface every notification channel implements.

A provider sends one message or raises :class:`SendFailed` saying whether trying again
later can help. Providers never decide about retries; the delivery loop does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.notices import Language, Template
from closeloop_feedback.domain.retry import FailureKind


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered notification for one recipient. ``recipient`` is personal data: it
    lives only in memory while sending and never appears in a log or an error."""

    notification_id: str
    complaint_id: str
    channel: NotifyChannel
    template: Template
    language: Language
    recipient: str
    subject: str
    text: str
    survey_id: str | None = None


class SendFailed(Exception):
    """A send that did not happen: ``kind`` says whether a retry may succeed; ``reason``
    is short, free of personal data, and recorded with the attempt."""

    def __init__(self, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class Provider(Protocol):
    """Delivers messages of one channel."""

    channel: NotifyChannel

    async def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` or raise :class:`SendFailed`."""
        ...
