"""An inbound e-mail becomes a registration form for channel email."""

from __future__ import annotations

from email.message import EmailMessage

from closeloop_intake.adapters.inbound_mail import form_from_mail


def mail() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "张伟 <zw@example.com>"
    msg["To"] = "complaints@closeloop.example"
    msg["Subject"] = "账单重复扣费"
    msg["Message-ID"] = "<abc-123@example.com>"
    msg.set_content("上个月的账单被扣了两次，请退款。")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="bill.pdf")
    return msg


def test_sender_subject_and_body_become_the_complaint() -> None:
    form, message_id = form_from_mail(mail().as_bytes(), "bounce@example.com")
    assert form.channel == "email"
    assert form.customer.name == "张伟"
    assert form.customer.email == "zw@example.com"
    assert form.description.startswith("账单重复扣费")
    assert "扣了两次" in form.description
    assert message_id == "<abc-123@example.com>"


def test_attachments_are_recorded_as_metadata() -> None:
    form, _ = form_from_mail(mail().as_bytes(), None)
    assert [(a.filename, a.content_type, a.size_bytes) for a in form.attachments] == [
        ("bill.pdf", "application/pdf", len(b"%PDF-1.4 fake"))
    ]


def test_envelope_sender_is_used_when_from_is_missing() -> None:
    msg = EmailMessage()
    msg["Subject"] = "hello"
    msg.set_content("<p>broken <b>device</b></p>", subtype="html")
    form, message_id = form_from_mail(msg.as_bytes(), "someone@example.org")
    assert form.customer.email == "someone@example.org"
    assert "<b>" not in form.description and "device" in form.description
    assert message_id is None
