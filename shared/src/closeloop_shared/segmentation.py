"""Chinese (and mixed) word segmentation with jieba, loaded once per process.

jieba is imported on first use only (its tables take about 2 s to load), so services that
never segment pay nothing; a service that segments declares ``jieba`` among its own
dependencies. Call :func:`load` off the event loop (``asyncio.to_thread``) at start-up.
"""

from __future__ import annotations

import logging
import threading
from types import ModuleType

_lock = threading.Lock()
_jieba: ModuleType | None = None


def load() -> ModuleType:
    """The initialised ``jieba`` module (loaded by the first caller, under a lock)."""
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
        return _jieba


def word_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` character offsets of the words of ``text``."""
    return [(start, end) for _, start, end in load().tokenize(text)]
