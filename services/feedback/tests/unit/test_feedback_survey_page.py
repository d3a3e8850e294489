from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from closeloop_feedback.adapters.survey_pages import SurveyPages
from closeloop_feedback.domain.notices import Language

PAGES = SurveyPages(ZoneInfo("Asia/Shanghai"))
EXPIRES = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_form_posts_without_javascript_in_both_languages() -> None:
    for lang, submit in ((Language.en, "Send my answer"), (Language.zh_cn, "提交评价")):
        html = PAGES.form(lang, token="tok", reference="CMP-1", expires_at=EXPIRES)
        assert f'<html lang="{lang.value}">' in html
        assert '<form method="post" action="/v1/surveys/tok"' in html
        assert html.count('name="score"') == 5
        assert 'name="solved" value="yes"' in html and 'name="solved" value="no"' in html
        assert 'name="comment"' in html and submit in html
        assert "<script" not in html


def test_form_shows_errors_and_keeps_values_escaped() -> None:
    html = PAGES.form(
        Language.en,
        token="tok",
        reference="CMP-1",
        expires_at=EXPIRES,
        errors={"score": "must be a whole number from 1 to 5"},
        values={"score": "", "solved": "no", "comment": "<script>alert(1)</script>"},
    )
    assert "Please choose a score from 1 to 5." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert 'value="no" checked' in " ".join(html.split())


def test_refusal_pages_say_why() -> None:
    assert "already answered" in PAGES.problem(Language.en, "answered")
    assert "已过期" in PAGES.problem(Language.zh_cn, "expired")
    assert "We are sorry" in PAGES.thanks(Language.en, unhappy=True)
