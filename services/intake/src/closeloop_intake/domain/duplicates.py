"""Possible-duplicate detection for a newly received complaint.

Customers often complain about the same thing twice (phone, then WeChat). A possible
duplicate is only flagged for an agent to merge or dismiss, never merged automatically.

Similarity is the Sørensen–Dice coefficient of the two texts' character-bigram sets, after
Unicode normalization, case folding and dropping everything but letters and digits. Bigrams
need no word segmentation, so Chinese works as well as English. Dice rather than Jaccard
because a customer restating a complaint adds words ("我的账单被重复扣费了两次" vs
"账单重复扣费两次": Dice 0.56, Jaccard 0.38), and the candidates are already narrowed to the
same customer within a short window.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class ComplaintSnapshot:
    """What duplicate detection needs to know about a complaint.

    ``customer_key`` identifies the customer (e.g. the keyed pseudonym); ``id`` is None for
    a complaint not stored yet.
    """

    customer_key: str
    text: str
    received_at: datetime
    id: str | None = None


@dataclass(frozen=True)
class DuplicateMatch:
    """A stored complaint that looks like the new one, with its similarity in [0, 1]."""

    id: str
    score: float


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _bigrams(text: str) -> frozenset[str]:
    chars = _normalize(text)
    if len(chars) < 2:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of ``a`` and ``b`` (0 = nothing shared)."""
    grams_a, grams_b = _bigrams(a), _bigrams(b)
    if not grams_a or not grams_b:
        return 0.0
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def find_possible_duplicates(
    new: ComplaintSnapshot,
    candidates: Iterable[ComplaintSnapshot],
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[DuplicateMatch]:
    """Candidates of the same customer, received within ``window`` of ``new``, whose text
    similarity is at least ``threshold``; most similar first (ties by id).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    matches: list[DuplicateMatch] = []
    for candidate in candidates:
        if candidate.id is None or candidate.id == new.id:
            continue
        if candidate.customer_key != new.customer_key:
            continue
        if abs(new.received_at - candidate.received_at) > window:
            continue
        score = text_similarity(new.text, candidate.text)
        if score >= threshold:
            matches.append(DuplicateMatch(candidate.id, round(score, 4)))
    return sorted(matches, key=lambda m: (-m.score, m.id))
