"""The inbound e-mail entry point: a received mail becomes a complaint (channel email)."""

from __future__ import annotations

from closeloop_intake.adapters.inbound_mail import MAIL_RECEIVER, form_from_mail
from closeloop_intake.adapters.smtp_channel import Receive
from closeloop_intake.service.context import ServiceContext
from closeloop_intake.service.registration import register_complaint


def mail_receiver(ctx: ServiceContext) -> Receive:
    """The SMTP channel's callback: register the mail, return the complaint id. The
    Message-ID is the idempotency key, so a mail server's retry is the same complaint."""

    async def receive(raw: bytes, envelope_from: str | None) -> str:
        form, message_id = form_from_mail(raw, envelope_from)
        registered = await register_complaint(
            ctx=ctx, form=form, actor=MAIL_RECEIVER, idempotency_key=message_id
        )
        return str(registered.complaint["_id"])

    return receive
