"""closeloop_shared.i18n: gettext catalogs read from .po files with Babel."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeloop_shared.i18n import Catalogs, MissingTranslation

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "page.title"
msgstr "{title}"

msgid "page.greeting"
msgstr "{greeting}"

{extra}
"""


def write_catalogs(root: Path, texts: dict[str, tuple[str, str, str]]) -> Catalogs:
    for language, (title, greeting, extra) in texts.items():
        path = root / language / "LC_MESSAGES" / "demo.po"
        path.parent.mkdir(parents=True)
        path.write_text(PO.format(title=title, greeting=greeting, extra=extra), encoding="utf-8")
    return Catalogs(root, "demo")


def test_texts_come_from_the_language_catalog_with_placeholders(tmp_path: Path) -> None:
    catalogs = write_catalogs(
        tmp_path, {"en": ("Report {n}", "Hello", ""), "zh_CN": ("报告 {n}", "你好", "")}
    )
    assert catalogs.languages() == ["en", "zh_CN"]
    assert catalogs.text("zh_CN", "page.title", n=3) == "报告 3"
    assert catalogs.text("en", "page.title", n=3) == "Report 3"
    assert catalogs.group("zh_CN", "page") == {"title": "报告 {n}", "greeting": "你好"}
    assert catalogs.missing() == {"en": [], "zh_CN": []}


def test_an_unknown_id_raises_instead_of_showing_the_key(tmp_path: Path) -> None:
    catalogs = write_catalogs(tmp_path, {"en": ("T", "G", "")})
    with pytest.raises(MissingTranslation, match=r"page\.footer"):
        catalogs.text("en", "page.footer")


def test_missing_names_absent_empty_and_fuzzy_translations(tmp_path: Path) -> None:
    extra_en = 'msgid "page.footer"\nmsgstr "Footer"\n\n#, fuzzy\nmsgid "page.note"\nmsgstr "N"\n'
    catalogs = write_catalogs(
        tmp_path,
        {"en": ("T", "G", extra_en), "zh_CN": ("标题", "", 'msgid "page.note"\nmsgstr "注"\n')},
    )
    assert catalogs.missing() == {
        "en": ["page.note"],
        "zh_CN": ["page.footer", "page.greeting"],
    }
