"""Customer-facing words in Simplified Chinese and English: subjects, notice texts, decision
and clock labels, the survey page and its messages, the service report. They live in gettext
catalogs (``locale/<language>/LC_MESSAGES/feedback.po``, loaded by closeloop_shared.i18n);
a unit test fails when a message id lacks a translation in any language."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from closeloop_feedback.domain.notices import Language, Template
from closeloop_shared.i18n import Catalogs

# gettext catalogs, one .po file per language (locale/<language>/LC_MESSAGES/feedback.po)
CATALOGS = Catalogs(Path(__file__).resolve().parents[1] / "locale", "feedback")
CATALOG_LANGUAGE = {Language.zh_cn: "zh_CN", Language.en: "en"}


def text(language: Language, message_id: str, **values: object) -> str:
    """The translation of ``message_id`` in ``language``, placeholders filled."""
    return CATALOGS.text(CATALOG_LANGUAGE[language], message_id, **values)


def words(language: Language, prefix: str) -> dict[str, str]:
    """Every message under ``prefix`` (``survey``, ``problem``) by the rest of its id."""
    return CATALOGS.group(CATALOG_LANGUAGE[language], prefix)


def subject_for(template: Template, language: Language, reference: str) -> str:
    """The localised subject line of a notice about complaint ``reference``."""
    return text(language, f"subject.{template.value}", ref=reference)


def outcome_label(outcome: str, language: Language) -> str:
    """The decision in words (an unknown outcome is shown as given)."""
    return words(language, "outcome").get(outcome, outcome)


def clock_label(clock: str, language: Language) -> str:
    """A time limit in words (an unknown clock is shown as given)."""
    return words(language, "clock").get(clock, clock.replace("_", " "))


def format_instant(at: datetime, language: Language, tz: tzinfo) -> str:
    """A date and time in the customer's language, in the service's time zone."""
    local = at.astimezone(tz)
    offset = local.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    if language is Language.zh_cn:
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（{zone}）"
    return f"{local:%d %b %Y %H:%M} ({zone})"
