"""zh-CN (the default) and en: gettext-style catalogs keyed by the English message.

Catalogs are ``locale/<locale>.json`` beside the package (``{"msgid": "msgstr"}``); a
message missing from a catalog falls back to its English msgid, so a page never breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
CATALOG_DIR = Path(__file__).resolve().parent.parent / "locale"


@cache
def catalog(locale: str) -> dict[str, str]:
    path = CATALOG_DIR / f"{locale}.json"
    if not path.exists():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


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


def translator(locale: str) -> Callable[..., str]:
    """``_("Hello {name}", name=...)``: the message in ``locale``, then formatted."""
    messages = catalog(locale)

    def gettext(msgid: str, **values: object) -> str:
        text = messages.get(msgid) or msgid
        return text.format(**values) if values else text

    return gettext
