"""Every message the console shows has a translation in every language."""

from __future__ import annotations

import re
from pathlib import Path

from closeloop_console.adapters.translations import CATALOGS, language_of, translator
from closeloop_console.domain.i18n import LOCALES

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "closeloop_console"
# _("text") or _('text', n=...) in templates and code: the messages written literally (not
# _('tone-' ~ tone), whose ids are the enum values the catalogs list).
LITERAL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*[,)]""")


def _literal_msgids() -> set[str]:
    found: set[str] = set()
    for path in [*PACKAGE.rglob("*.html"), *PACKAGE.rglob("*.py")]:
        for double, single in LITERAL.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def test_every_locale_has_a_catalog_and_no_catalog_lacks_an_id_another_has() -> None:
    assert sorted(CATALOGS.languages()) == sorted(language_of(lo) for lo in LOCALES)
    assert CATALOGS.missing() == {language_of(lo): [] for lo in LOCALES}


def test_every_message_written_in_the_templates_and_code_is_in_every_catalog() -> None:
    used = _literal_msgids()
    assert len(used) > 50, "the extraction found too few messages to be reading the templates"
    for locale in LOCALES:
        known = {str(m.id) for m in CATALOGS.catalog(language_of(locale)) if m.id}
        assert sorted(used - known) == [], locale


def test_zh_cn_translates_and_english_keeps_the_text() -> None:
    assert translator("zh-CN")("My queue") == "我的待办"
    assert translator("en")("My queue") == "My queue"
    assert translator("en")("customer.phone") == "Phone"
