import pytest

from closeloop_feedback.domain.channels import NotifyChannel, Purpose, choose_channel


@pytest.mark.parametrize(
    ("methods", "channel", "purpose", "expected"),
    [
        (["email", "phone"], "web", Purpose.notice, NotifyChannel.email),
        (["email", "phone"], "web", Purpose.survey, NotifyChannel.email),
        (["phone"], "web", Purpose.notice, NotifyChannel.sms),
        (["email", "phone"], "phone", Purpose.notice, NotifyChannel.sms),
        (["email", "phone"], "phone", Purpose.survey, NotifyChannel.phone_callback),
        (["phone"], "walk_in", Purpose.survey, NotifyChannel.phone_callback),
        (["email"], "phone", Purpose.survey, NotifyChannel.email),
        (["address"], "web", Purpose.notice, None),
        ([], "email", Purpose.survey, None),
    ],
)
def test_channel_follows_how_the_customer_reached_us(
    methods: list[str], channel: str, purpose: Purpose, expected: NotifyChannel | None
) -> None:
    assert (
        choose_channel(contact_methods=methods, complaint_channel=channel, purpose=purpose)
        is expected
    )


@pytest.mark.parametrize(
    ("methods", "channel", "purpose", "expected"),
    [
        (["phone"], "web", Purpose.notice, NotifyChannel.phone_callback),
        (["email", "phone"], "phone", Purpose.notice, NotifyChannel.phone_callback),
        (["email", "phone"], "web", Purpose.notice, NotifyChannel.email),
        (["phone"], "phone", Purpose.survey, NotifyChannel.phone_callback),
    ],
)
def test_without_an_sms_gateway_a_phone_notice_is_a_callback_not_an_sms(
    methods: list[str], channel: str, purpose: Purpose, expected: NotifyChannel
) -> None:
    chosen = choose_channel(
        contact_methods=methods, complaint_channel=channel, purpose=purpose, sms_gateway=False
    )
    assert chosen is expected
