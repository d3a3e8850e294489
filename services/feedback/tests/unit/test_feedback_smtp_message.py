from closeloop_feedback.adapters.providers import OutgoingMessage
from closeloop_feedback.adapters.smtp_provider import build_email, message_id
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.notices import Language, Template


def _message(nid: str) -> OutgoingMessage:
    return OutgoingMessage(
        notification_id=nid,
        complaint_id="CMP-1",
        channel=NotifyChannel.email,
        template=Template.survey,
        language=Language.zh_cn,
        recipient="zw@example.com",
        subject="请评价投诉 CMP-1 的处理结果",
        text="链接：https://feedback.example/v1/surveys/x",
        survey_id="abc",
    )


def test_message_id_is_derived_from_the_notification() -> None:
    first = build_email(_message("n1"), "Closeloop <no-reply@closeloop.local>")
    again = build_email(_message("n1"), "Closeloop <no-reply@closeloop.local>")
    other = build_email(_message("n2"), "Closeloop <no-reply@closeloop.local>")
    assert first["Message-ID"] == again["Message-ID"] == message_id("n1")
    assert other["Message-ID"] != first["Message-ID"]


def test_email_is_utf8_text_with_tracking_headers() -> None:
    mail = build_email(_message("n1"), "Closeloop <no-reply@closeloop.local>")
    assert mail["To"] == "zw@example.com"
    assert mail["Subject"] == "请评价投诉 CMP-1 的处理结果"
    assert mail["X-Closeloop-Template"] == "survey"
    assert mail["X-Closeloop-Survey"] == "abc"
    assert mail.get_content_charset() == "utf-8"
    assert "链接" in mail.get_content()
