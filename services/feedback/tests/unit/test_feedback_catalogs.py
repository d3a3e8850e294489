"""The gettext catalogs of feedback (locale/<language>/LC_MESSAGES/feedback.po): every message
id is translated in every language, and every id the code and templates use exists."""

from __future__ import annotations

import re
from pathlib import Path

from closeloop_feedback.domain.localisation import CATALOG_LANGUAGE, CATALOGS

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "closeloop_feedback"
# Literal ids passed to t(...), text(..., "...") or words(..., "...") in code and templates
USED_ID = re.compile(r"""\b(?:t|text)\(\s*(?:\w+,\s*)?["']([a-z_]+(?:\.[a-z_]+)+)["']""")
USED_GROUP = re.compile(r"""\bwords\(\s*\w+,\s*["']([a-z_]+)["']""")


def test_every_message_id_is_translated_in_every_language() -> None:
    assert set(CATALOGS.languages()) == set(CATALOG_LANGUAGE.values()) == {"en", "zh_CN"}
    assert CATALOGS.missing() == {"en": [], "zh_CN": []}


def test_every_id_the_code_uses_is_in_the_catalogs() -> None:
    sources = [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2"), *PACKAGE.rglob("*.html")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    used, groups = set(USED_ID.findall(text)), set(USED_GROUP.findall(text))
    assert len(used) > 30 and groups >= {"survey", "problem", "outcome", "clock"}
    ids = {str(m.id) for m in CATALOGS.catalog("en") if m.id}
    assert sorted(used - ids) == []
    assert sorted(g for g in groups if not any(i.startswith(g + ".") for i in ids)) == []


def test_a_missing_translation_is_found(tmp_path: Path) -> None:
    """The completeness check can fail: a zh_CN catalog without one id is reported."""
    for language in ("en", "zh_CN"):
        target = tmp_path / language / "LC_MESSAGES" / "feedback.po"
        target.parent.mkdir(parents=True)
        target.write_text(CATALOGS.po_path(language).read_text(encoding="utf-8"))
    zh = tmp_path / "zh_CN" / "LC_MESSAGES" / "feedback.po"
    po = zh.read_text(encoding="utf-8")
    zh.write_text(po.replace('msgstr "投诉处理满意度回访"', 'msgstr ""'), encoding="utf-8")

    from closeloop_shared.i18n import Catalogs

    assert Catalogs(tmp_path, "feedback").missing() == {"en": [], "zh_CN": ["survey.title"]}
