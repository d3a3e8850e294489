"""Terms of complaint texts: which segmented words count as problem or demand keywords,
and the keywords most complaints share. A segmenter (jieba) tags words; this module only
chooses among them. Person and place names are dropped so a keyword never names anyone,
and a keyword must be shared by several complaints."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

# jieba part-of-speech flags kept: nouns, verbs, adjectives, idioms, abbreviations, English.
KEPT_FLAG_PREFIXES = ("n", "v", "a", "l", "i", "j", "eng")
# Person names (nr*) and place names (ns: addresses) never become keywords.
DROPPED_FLAGS = frozenset({"nr", "nrfg", "nrt", "ns", "nsf"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ZH_STOPWORDS = _words(
    "我们 你们 他们 没有 什么 这个 那个 一个 可以 已经 还是 就是 因为 所以 但是 如果 然后 "
    "现在 时候 问题 情况 要求 希望 进行 表示 认为 觉得 知道 需要 还有 不是 这样 怎么 为什么 "
    "请求 请 给 让 被 把 说 做 到 去 来 有 是 在 要"
)
EN_STOPWORDS = _words(
    "the and for with that this was were are has have had not but you your our they them "
    "their from into been being there here what when which who would could should will "
    "can did does done very just also than then too any all some about after before again "
    "please still only over under because while"
)
_HAS_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff'-]*$")


def is_term(word: str, flag: str) -> bool:
    """True for a word worth counting: a content word, not a name, number or stopword."""
    if flag in DROPPED_FLAGS or not flag.startswith(KEPT_FLAG_PREFIXES):
        return False
    if not _WORD.match(word) or _HAS_DIGIT.search(word) or "@" in word:
        return False
    if _CJK.search(word):
        return len(word) >= 2 and word not in ZH_STOPWORDS
    return len(word) >= 3 and word.lower() not in EN_STOPWORDS


def select_terms(tagged: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The distinct terms of one text from ``(word, flag)`` pairs, in order of appearance;
    English words are lower-cased."""
    seen: dict[str, None] = {}
    for word, flag in tagged:
        word = word.strip()
        if is_term(word, flag):
            seen.setdefault(word if _CJK.search(word) else word.lower(), None)
    return tuple(seen)


def top_keywords(
    documents: Iterable[Sequence[str]], *, limit: int = 10, min_documents: int = 2
) -> list[tuple[str, int]]:
    """The terms found in the most documents (at least ``min_documents``), most first,
    ties in term order."""
    counts: Counter[str] = Counter()
    for terms in documents:
        counts.update(set(terms))
    ranked = sorted(
        ((t, n) for t, n in counts.items() if n >= min_documents), key=lambda tn: (-tn[1], tn[0])
    )
    return ranked[:limit]
