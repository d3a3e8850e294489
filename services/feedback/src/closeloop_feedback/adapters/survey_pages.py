"""The public survey pages: the form, the thank-you page and the "link cannot be used"
page, in the customer's language. Plain HTML forms: they work without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from closeloop_feedback.adapters.rendering import template_environment
from closeloop_feedback.domain.localisation import format_instant, words
from closeloop_feedback.domain.notices import Language

OTHER = {Language.zh_cn: Language.en, Language.en: Language.zh_cn}


class SurveyPages:
    """Renders the survey pages to HTML strings."""

    def __init__(self, tz: tzinfo) -> None:
        self._template = template_environment().get_template("survey_page.html")
        self._tz = tz

    def _render(self, lang: Language, mode: str, **context: object) -> str:
        return self._template.render(
            lang=lang.value, t=words(lang, "survey"), mode=mode, switch_url=None, **context
        )

    def form(
        self,
        lang: Language,
        *,
        token: str,
        reference: str,
        expires_at: datetime,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
    ) -> str:
        """The survey form; ``errors`` (problem codes by field) shown above it."""
        context = {
            "ref": reference,
            "action": f"/v1/surveys/{token}",
            "expires": format_instant(expires_at, lang, self._tz),
            "errors": {f: words(lang, "problem").get(f, p) for f, p in (errors or {}).items()},
            "values": {"score": "", "solved": "", "comment": "", **(values or {})},
        }
        html = self._template.render(
            lang=lang.value,
            t=words(lang, "survey"),
            mode="form",
            switch_url=f"/v1/surveys/{token}?lang={OTHER[lang].value}",
            **context,
        )
        return html

    def thanks(self, lang: Language, *, unhappy: bool) -> str:
        """The page after an answer was recorded."""
        return self._render(lang, "thanks", unhappy=unhappy)

    def problem(self, lang: Language, problem: str) -> str:
        """The page for a link or answer that was refused, saying why."""
        return self._render(lang, "problem", message=words(lang, "problem").get(problem, problem))
