"""Turning an inbound e-mail into a registration form (channel ``email``).

The sender becomes the customer (display name and address), the subject and the plain-text
body become the description, and attachments are recorded as metadata only.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import parseaddr

from closeloop_intake.domain.registration import Attachment, Customer, RegistrationForm

_TAGS = re.compile(r"<[^>]+>")
MAIL_RECEIVER = "channel:email"


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = str(body.get_content())
    if body.get_content_type() == "text/html":
        text = _TAGS.sub(" ", text)
    return text.strip()


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        found.append(
            Attachment(
                filename=part.get_filename() or "attachment",
                content_type=part.get_content_type(),
                size_bytes=size,
            )
        )
    return tuple(found)


def form_from_mail(raw: bytes, envelope_from: str | None) -> tuple[RegistrationForm, str | None]:
    """The registration form of a mail, and its Message-ID (for idempotency)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    address = address or (envelope_from or "")
    subject = str(message.get("Subject", "")).strip()
    body = _body_text(message)
    description = f"{subject}\n\n{body}".strip() if subject else body
    form = RegistrationForm(
        channel="email",
        kind="complaint",
        customer=Customer(name=name or None, email=address or None),
        description=description,
        received_by=MAIL_RECEIVER,
        attachments=_attachments(message),
    )
    message_id = str(message.get("Message-ID", "")).strip() or None
    return form, message_id
