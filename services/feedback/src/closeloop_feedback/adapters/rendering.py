"""Renders customer notices and the survey page with Jinja2 (templates in ``templates/``).

Notices are plain text (autoescape off, they are not HTML); the survey page is HTML with
autoescape on. Undefined variables are errors, so a template cannot silently reach for a
field it was not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.localisation import (
    clock_label,
    format_instant,
    outcome_label,
    subject_for,
    text,
)
from closeloop_feedback.domain.notices import (
    CUSTOMER_FIELDS,
    SURVEY_TEMPLATES,
    Language,
    Template,
)
from closeloop_feedback.domain.tokens import sign_token

TEMPLATES_DIR = Path(__file__).parent / "templates"


def template_environment() -> Environment:
    """The Jinja2 environment of this service's templates."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class RenderedNotice:
    """A notice ready for a provider."""

    subject: str
    text: str


class NoticeRenderer:
    """Turns a stored notification (template, language, allow-listed params) into text."""

    def __init__(self, *, public_url: str, survey_secret: str, tz: tzinfo) -> None:
        self._env = template_environment()
        self._public_url = public_url.rstrip("/")
        self._secret = survey_secret
        self._tz = tz

    def survey_url(self, survey_id: str, expires_at: datetime) -> str:
        """The signed link to a survey's public form."""
        token = sign_token(survey_id, expires_at, self._secret)
        return f"{self._public_url}/v1/surveys/{token}"

    def view(
        self, template: Template, language: Language, reference: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What the template sees: only its allow-listed fields, made readable."""
        allowed = {k: params.get(k) for k in CUSTOMER_FIELDS[template]}
        view: dict[str, Any] = {"ref": reference, "name": None, **allowed}
        if allowed.get("outcome"):
            view["outcome"] = outcome_label(str(allowed["outcome"]), language)
        if "clock" in allowed:
            view["clock"] = clock_label(str(allowed.get("clock") or "resolution"), language)
        for key in ("deadline", "new_deadline", "expires_at"):
            instant = allowed.get(key)
            if isinstance(instant, datetime):
                view[key] = format_instant(instant, language, self._tz)
        amount = allowed.get("compensation_amount")
        view["compensation"] = (
            f"{float(amount):.2f} {allowed.get('compensation_currency') or ''}".strip()
            if amount is not None
            else None
        )
        if template in SURVEY_TEMPLATES:
            view["survey_url"] = self.survey_url(str(params["survey_id"]), params["expires_at"])
        return view

    def render(
        self,
        template: Template,
        *,
        language: Language,
        channel: NotifyChannel,
        reference: str,
        params: Mapping[str, Any],
        name: str | None = None,
    ) -> RenderedNotice:
        """Subject and body of a notice for ``channel`` (e-mail gets greeting and sign-off,
        SMS and call scripts just the message)."""
        view = self.view(template, language, reference, params)
        view["name"] = name
        module: Any = self._env.get_template("notices.j2").module

        def t(message_id: str, **values: object) -> str:
            return text(language, message_id, **values)

        body = str(getattr(module, template.value)(view, t)).strip()
        if channel is NotifyChannel.email:
            message = f"{module.greeting(view, t)}\n\n{body}\n\n{module.signoff(view, t)}\n"
        elif channel is NotifyChannel.sms:
            message = f"{module.sms_prefix(view, t)}{body}"
        else:
            message = body
        return RenderedNotice(subject_for(template, language, reference), message)
