"""Translations as gettext catalogs: one ``.po`` file per language, read with Babel.

A service keeps ``<locale_dir>/<language>/LC_MESSAGES/<domain>.po`` (``zh_CN``, ``en``) and
asks ``Catalogs(locale_dir, domain)`` for its words. The ``.po`` files are compiled in memory
when first used, so no build step or committed ``.mo`` file can fall out of date.

Message ids are stable keys (``survey.title``), so every language, English included, has a
translation, and :meth:`Catalogs.missing` names any id a language lacks (a unit test of
each service calls it). Looking up an unknown id raises instead of showing the key to a
customer.
"""

from __future__ import annotations

import io
from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


class MissingTranslation(LookupError):
    """A message id that a language's catalog does not translate."""


class Catalogs:
    """The gettext catalogs of one domain, by language (``zh_CN``, ``en``)."""

    def __init__(self, locale_dir: Path, domain: str) -> None:
        self.locale_dir, self.domain = locale_dir, domain

    def po_path(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.domain}.po"

    def languages(self) -> list[str]:
        """The languages that have a catalog of this domain."""
        return sorted(p.name for p in self.locale_dir.iterdir() if self.po_path(p.name).is_file())

    def catalog(self, language: str) -> Catalog:
        """The parsed ``.po`` file of ``language``."""
        return _read_catalog(self.po_path(language))

    def translations(self, language: str) -> GNUTranslations:
        """``language``'s catalog as :class:`gettext.GNUTranslations` (e.g. for Jinja2's
        i18n extension)."""
        return _compiled(self.po_path(language))

    def text(self, language: str, message_id: str, **values: object) -> str:
        """The translation of ``message_id``, with ``{name}`` placeholders filled."""
        translated = self.translations(language).gettext(message_id)
        if translated == message_id:
            raise MissingTranslation(f"{self.domain}/{language}: no translation of {message_id!r}")
        return translated.format(**values) if values else translated

    def group(self, language: str, prefix: str) -> dict[str, str]:
        """Every translation whose id starts with ``prefix.``, keyed by the rest of the id
        (``group("en", "survey")["title"]`` is ``survey.title``)."""
        start = prefix + "."
        return {
            str(m.id)[len(start) :]: str(m.string)
            for m in self.catalog(language)
            if isinstance(m.id, str) and m.id.startswith(start) and m.string
        }

    def missing(self) -> dict[str, list[str]]:
        """By language, the ids that another language has but this one does not translate
        (absent, empty or fuzzy); empty lists when every catalog is complete."""
        catalogs = {language: self.catalog(language) for language in self.languages()}
        every_id = {str(m.id) for c in catalogs.values() for m in c if m.id}
        return {
            language: sorted(i for i in every_id if not _translated(catalog, i))
            for language, catalog in catalogs.items()
        }


def _translated(catalog: Catalog, message_id: str) -> bool:
    message = catalog.get(message_id)
    return message is not None and bool(message.string) and not message.fuzzy


@cache
def _read_catalog(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


@cache
def _compiled(path: Path) -> GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, _read_catalog(path))
    buffer.seek(0)
    return GNUTranslations(buffer)
