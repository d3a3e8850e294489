"""The console's words: gettext catalogs (``locale/<language>/LC_MESSAGES/console.po``).

Msgids are the English texts, so a message that reaches a page without a translation (an
enum value a service added later, say) shows in English instead of breaking the page; the
catalog test names every msgid of the templates and code that a language lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from closeloop_shared.i18n import Catalogs

CATALOGS = Catalogs(Path(__file__).resolve().parent.parent / "locale", "console")


def language_of(locale: str) -> str:
    """The catalog folder of a locale: ``zh-CN`` → ``zh_CN``."""
    return locale.replace("-", "_")


def translator(locale: str) -> Callable[..., str]:
    """A gettext function for ``locale``: the message's translation, placeholders such as
    ``{n}`` filled from its keyword arguments."""
    translations = CATALOGS.translations(language_of(locale))

    def gettext(msgid: str, **values: object) -> str:
        text = translations.gettext(msgid)
        return text.format(**values) if values else text

    return gettext
