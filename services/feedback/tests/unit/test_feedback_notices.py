from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.adapters.rendering import NoticeRenderer
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.localisation import format_instant, words
from closeloop_feedback.domain.notices import (
    CUSTOMER_FIELDS,
    Language,
    Template,
    customer_params,
    normalize_language,
    template_for_breach,
    template_for_change,
)
from closeloop_feedback.domain.tokens import verify_token

SECRET = "unit-secret"
SENTINEL = "INTERNAL-NOTE-7f3a: customer is difficult, refund was a mistake"
SURVEY = "abcdef0123456789abcdef0123456789"
EXPIRES = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

# Everything an event (and a careless caller) might hand over, internal fields included.
EVERYTHING = {
    "outcome": "partially_upheld",
    "basis": "Tariff rule 4.2 allows one refund per bill",
    "remedy": "Refund of the duplicate charge",
    "compensation_amount": 25.5,
    "compensation_currency": "CNY",
    "clock": "resolution",
    "deadline": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    "reason": "Waiting for the bank's statement (customer agreed)",
    "new_deadline": datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
    "survey_id": SURVEY,
    "expires_at": EXPIRES,
    "note": SENTINEL,
    "text": SENTINEL,
    "text_sealed": SENTINEL,
    "actor": SENTINEL,
    "severity_reason": SENTINEL,
    "internal_note": SENTINEL,
}


def _renderer() -> NoticeRenderer:
    return NoticeRenderer(
        public_url="https://feedback.example/", survey_secret=SECRET, tz=ZoneInfo("Asia/Shanghai")
    )


def test_changes_the_customer_should_know_about_have_a_notice() -> None:
    assert template_for_change("acknowledged") is Template.acknowledged
    assert template_for_change("resolved") is Template.resolved
    assert template_for_change("extended") is Template.extended
    assert template_for_change("note_added") is None
    assert template_for_change("department_changed") is None


def test_a_missed_customer_facing_limit_is_a_delay_notice() -> None:
    assert template_for_breach("resolution", {"resolution"}) is Template.delayed
    assert template_for_breach("archive", {"resolution"}) is None


def test_customer_params_keep_only_the_allow_list() -> None:
    params = customer_params(Template.resolved, EVERYTHING)
    assert set(params) == {
        "outcome",
        "basis",
        "remedy",
        "compensation_amount",
        "compensation_currency",
    }
    assert customer_params(Template.acknowledged, EVERYTHING) == {}


@pytest.mark.parametrize("template", list(Template))
@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("channel", list(NotifyChannel))
def test_no_template_leaks_internal_fields(
    template: Template, language: Language, channel: NotifyChannel
) -> None:
    notice = _renderer().render(
        template,
        language=language,
        channel=channel,
        reference="CMP-1",
        params=EVERYTHING,  # the renderer itself must also ignore what is not allowed
        name="Li Lei",
    )
    assert SENTINEL not in notice.text and SENTINEL not in notice.subject
    assert "CMP-1" in notice.text and "CMP-1" in notice.subject
    assert notice.text.strip()


def test_resolution_notice_states_decision_and_basis_in_both_languages() -> None:
    params = customer_params(Template.resolved, EVERYTHING)
    en = _renderer().render(
        Template.resolved,
        language=Language.en,
        channel=NotifyChannel.email,
        reference="CMP-1",
        params=params,
        name="Li Lei",
    )
    assert "Decision: partially upheld" in en.text
    assert "Basis: Tariff rule 4.2" in en.text
    assert "25.50 CNY" in en.text
    assert en.text.startswith("Dear Li Lei,")
    zh = _renderer().render(
        Template.resolved,
        language=Language.zh_cn,
        channel=NotifyChannel.sms,
        reference="CMP-1",
        params=params,
    )
    assert "处理结论：投诉部分成立" in zh.text
    assert "依据：Tariff rule 4.2" in zh.text
    assert zh.text.startswith("【客户服务中心】")


def test_extension_notice_gives_the_reason_and_new_deadline() -> None:
    params = customer_params(Template.extended, EVERYTHING)
    zh = _renderer().render(
        Template.extended,
        language=Language.zh_cn,
        channel=NotifyChannel.email,
        reference="CMP-1",
        params=params,
    )
    assert "延长原因：Waiting for the bank's statement" in zh.text
    assert "2026年11月28日 18:00" in zh.text  # 10:00 UTC shown in UTC+08:00


def test_survey_notice_carries_a_working_signed_link() -> None:
    params = customer_params(Template.survey, EVERYTHING)
    notice = _renderer().render(
        Template.survey,
        language=Language.en,
        channel=NotifyChannel.email,
        reference="CMP-1",
        params=params,
    )
    line = next(x for x in notice.text.splitlines() if x.startswith("https://"))
    assert line.startswith("https://feedback.example/v1/surveys/")
    token = line.rsplit("/", 1)[1]
    grant = verify_token(token, SECRET, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert grant.survey_id == SURVEY and grant.expires_at == EXPIRES


def test_every_template_has_a_subject_in_both_languages() -> None:
    assert set(Template) == set(CUSTOMER_FIELDS)
    for language in Language:
        assert set(words(language, "subject")) == {t.value for t in Template}


def test_language_tags_are_normalised() -> None:
    assert normalize_language("en-GB") is Language.en
    assert normalize_language("zh-CN") is Language.zh_cn
    assert normalize_language(None) is Language.zh_cn


def test_times_are_shown_in_the_service_time_zone() -> None:
    at = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    tz = ZoneInfo("Asia/Shanghai")
    assert format_instant(at, Language.en, tz) == "23 Nov 2026 01:30 (UTC+08:00)"
    assert format_instant(at, Language.zh_cn, tz) == "2026年11月23日 01:30（UTC+08:00）"


@pytest.mark.parametrize(
    ("language", "complex_why", "generic_why"),
    [
        (Language.zh_cn, "属于复杂投诉，涉及多个部门", "处理超出承诺时限"),
        (Language.en, "complex case that several departments", "took longer than committed"),
    ],
)
def test_a_late_complex_case_tells_the_customer_that_is_why(
    language: Language, complex_why: str, generic_why: str
) -> None:
    """R4: complex cases get 5 working days, and when late the customer is told why."""
    fields = {"clock": "resolution", "deadline": EXPIRES}
    texts = {}
    for complex_case in (True, None):
        params = customer_params(Template.delayed, {**fields, "complex_case": complex_case})
        texts[complex_case] = (
            _renderer()
            .render(
                Template.delayed,
                language=language,
                channel=NotifyChannel.email,
                reference="CMP-9",
                params=params,
            )
            .text
        )
    assert complex_why in texts[True] and generic_why not in texts[True]
    assert generic_why in texts[None] and complex_why not in texts[None]
