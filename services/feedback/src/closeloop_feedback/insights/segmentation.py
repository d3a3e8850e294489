"""Chinese (and mixed) text segmentation with jieba, tagging parts of speech so names can
be dropped. jieba loads its dictionary once (about 2 s), so segmentation runs in a worker
thread, never on the event loop."""

from __future__ import annotations

import asyncio
import re

from closeloop_feedback.domain.insights.terms import select_terms
from closeloop_shared.segmentation import load

# Contact details intake did not recognise must not become words: cut them out first.
_CONTACTS = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+"  # links
    r"|\+?\d[\d\s-]{5,}\d",  # phone-like digit runs
)


def tag_words(text: str) -> list[tuple[str, str]]:
    """``(word, part-of-speech flag)`` pairs of a text, contact-like strings removed."""
    load()
    import jieba.posseg

    cleaned = _CONTACTS.sub(" ", text)
    return [(pair.word, pair.flag) for pair in jieba.posseg.cut(cleaned)]


def terms_of(text: str) -> tuple[str, ...]:
    """The keyword terms of a text (see ``domain.insights.terms``)."""
    return select_terms(tag_words(text)) if text.strip() else ()


async def extract_terms(text: str) -> tuple[str, ...]:
    """``terms_of`` in a worker thread."""
    return await asyncio.to_thread(terms_of, text)
