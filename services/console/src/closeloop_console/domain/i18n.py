"""zh-CN (the default) and en: which language a request is answered in.

The catalogs themselves are gettext ``.po`` files, read by ``adapters/translations.py``.
"""

from __future__ import annotations

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


def choose_locale(
    requested: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """The query's ``?lang=``, then the cookie, then the browser's first supported language."""
    for candidate in (requested, cookie):
        if candidate in LOCALES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return default if default in LOCALES else DEFAULT_LOCALE
