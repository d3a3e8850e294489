"""E-mail over SMTP with aiosmtplib. Each message carries a Message-ID derived from its
notification id, so a resend after a crash is recognisable as the same mail."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from closeloop_feedback.adapters.providers import OutgoingMessage, SendFailed
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.retry import FailureKind, classify_smtp_reply

MESSAGE_ID_DOMAIN = "closeloop.feedback"


def message_id(notification_id: str) -> str:
    """The stable RFC 5322 Message-ID of a notification."""
    return f"<{notification_id}@{MESSAGE_ID_DOMAIN}>"


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The MIME message (UTF-8 plain text) for an outgoing notification."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.notification_id)
    mail["Content-Language"] = message.language.value
    mail["X-Closeloop-Notification"] = message.notification_id
    mail["X-Closeloop-Complaint"] = message.complaint_id
    mail["X-Closeloop-Template"] = message.template.value
    if message.survey_id:
        mail["X-Closeloop-Survey"] = message.survey_id
    mail.set_content(message.text, charset="utf-8")
    return mail


class SmtpEmailProvider:
    """Sends e-mail to an SMTP relay (the SMTP sink in development)."""

    channel = NotifyChannel.email

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        timeout_s: float = 10,
        starttls: bool = False,
        username: str = "",
        password: str = "",
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._timeout, self._starttls = timeout_s, starttls
        self._username, self._password = username or None, password or None

    async def send(self, message: OutgoingMessage) -> None:
        await self.send_mail(build_email(message, self._sender))

    @property
    def sender(self) -> str:
        return self._sender

    async def send_mail(self, mail: EmailMessage) -> None:
        """Hand a built message to the relay; raise :class:`SendFailed` saying whether a
        retry can help."""
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
                start_tls=self._starttls,
                username=self._username,
                password=self._password,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            kind = classify_smtp_reply(max(codes) if codes else 550)
            raise SendFailed(kind, f"recipient refused ({', '.join(map(str, codes))})") from None
        except aiosmtplib.SMTPResponseException as exc:
            kind = classify_smtp_reply(exc.code)
            raise SendFailed(kind, f"SMTP {exc.code}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # No reply at all: refused, reset, timed out. The relay may be back later.
            raise SendFailed(FailureKind.transient, type(exc).__name__) from None
