"""Automatic severity grading (requirement R2: grade by severity / impact / urgency).

Rules are checked in order and the first that matches decides, so put the most specific
first. The defaults put "praise/suggestion → low" first (a thank-you that mentions "安全"
is not a safety incident), then personal safety (urgent), then media, legal, privacy and
money (major), then cases involving several departments or dragging on (complex: R2 grades
them apart, R4 gives them 5 working days). Nothing matching → normal.

Keyword matching is case-insensitive. Keywords made of ASCII letters and digits match
whole words only ("fire" matches "a fire broke out", not "firewall"); any other keyword,
e.g. Chinese, matches as a substring because Chinese has no word separators.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from closeloop_intake.domain.errors import FieldError


class Severity(StrEnum):
    """How bad and how urgent a complaint is; sets its priority and SLA clocks."""

    URGENT = "urgent"
    MAJOR = "major"
    COMPLEX = "complex"
    NORMAL = "normal"
    LOW = "low"


GIVEN_BY_CALLER = "given by caller"
NO_RULE_MATCHED = "no rule matched; default normal"


@dataclass(frozen=True)
class SeverityRule:
    """Grade ``severity`` when every non-empty criterion holds.

    ``keywords``: any one occurs in the text; ``categories`` / ``kinds``: the complaint's
    category / kind is listed. Empty criteria are ignored.
    """

    severity: Severity
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    reason: str = ""
    kinds: tuple[str, ...] = ()


DEFAULT_SEVERITY_RULES: tuple[SeverityRule, ...] = (
    SeverityRule(
        Severity.LOW,
        kinds=("praise", "suggestion"),
        reason="praise and suggestions need no urgent handling",
    ),
    SeverityRule(
        Severity.URGENT,
        keywords=(
            "紧急", "人身伤害", "受伤", "流血", "骨折", "住院", "起火", "着火", "火灾",
            "冒烟", "爆炸", "触电", "漏电", "中毒", "煤气", "燃气泄漏", "安全隐患",
            "安全事故", "危及生命", "报警", "urgent", "emergency", "injury", "injured",
            "injuries", "bleeding", "hospital", "fire", "smoke", "explosion",
            "exploded", "electric shock", "poisoning", "gas leak", "police",
            "life-threatening", "safety hazard",
        ),
        reason="personal safety or emergency",
    ),
    SeverityRule(
        Severity.MAJOR,
        keywords=(
            "投诉到媒体", "媒体", "曝光", "记者", "电视台", "微博", "热搜", "律师", "起诉",
            "诉讼", "法院", "仲裁", "消协", "消费者协会", "12315", "监管", "工信部", "集体投诉",
            "media", "journalist", "newspaper", "lawyer", "lawsuit", "sue",
            "court", "regulator", "class action",
        ),
        reason="public exposure, legal action or regulator involvement",
    ),
    SeverityRule(
        Severity.MAJOR,
        keywords=(
            "安全", "信息泄露", "泄露", "隐私", "盗刷", "诈骗",
            "safety", "data breach", "leaked", "privacy", "fraud",
        ),
        reason="safety, privacy or fraud concern",
    ),
    SeverityRule(
        Severity.MAJOR,
        keywords=(
            "重复扣费", "重复扣款", "多扣", "乱扣费", "扣错", "未经同意扣费",
            "double charged", "charged twice", "overcharged", "unauthorized charge",
        ),
        reason="money taken wrongly from the customer",
    ),
    SeverityRule(
        Severity.COMPLEX,
        keywords=(
            "多个部门", "多部门", "几个部门", "跨部门", "各部门", "部门之间", "互相推诿",
            "踢皮球", "多次投诉", "反复投诉", "一直没解决", "长期未解决", "需要调查",
            "several departments", "multiple departments", "different departments",
            "cross-department", "passed around", "back and forth", "complained several times",
            "still not resolved", "still unresolved", "for months",
        ),
        reason="complex case: several departments involved or a long-running problem",
    ),
)  # fmt: skip


@lru_cache(maxsize=1024)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    escaped = re.escape(keyword.casefold())
    if keyword.isascii() and any(ch.isalnum() for ch in keyword):
        return re.compile(rf"(?<![0-9a-z]){escaped}(?![0-9a-z])")
    return re.compile(escaped)


def find_keyword(text: str, keywords: Sequence[str]) -> str | None:
    """Return the first of ``keywords`` found in ``text`` (matching rules above), or None."""
    folded = text.casefold()
    for keyword in keywords:
        if keyword and _keyword_pattern(keyword).search(folded):
            return keyword
    return None


def _describe_match(rule: SeverityRule, text: str, category: str | None, kind: str | None) -> str:
    """Why ``rule`` matches, or '' if it does not."""
    parts: list[str] = []
    if rule.kinds:
        if kind not in rule.kinds:
            return ""
        parts.append(f"kind '{kind}'")
    if rule.categories:
        if category not in rule.categories:
            return ""
        parts.append(f"category '{category}'")
    if rule.keywords:
        keyword = find_keyword(text, rule.keywords)
        if keyword is None:
            return ""
        parts.append(f"keyword '{keyword}'")
    return ", ".join(parts) or "unconditional rule"


def grade_severity(
    text: str,
    category: str | None = None,
    kind: str | None = None,
    rules: Sequence[SeverityRule] = DEFAULT_SEVERITY_RULES,
    given: str | None = None,
) -> tuple[Severity, str]:
    """Grade a complaint; return the severity and a human-readable reason for it.

    A severity ``given`` by the caller wins (reason "given by caller"); an invalid one raises
    :class:`FieldError` naming ``severity``. Otherwise the first matching rule decides and
    the reason names the rule and what matched, e.g.
    ``"personal safety or emergency (keyword '受伤')"``.
    """
    if given is not None:
        try:
            return Severity(given.strip().lower()), GIVEN_BY_CALLER
        except ValueError:
            allowed = [str(s) for s in Severity]
            raise FieldError("severity", f"'{given}' is not one of {allowed}") from None
    for rule in rules:
        matched = _describe_match(rule, text, category, kind)
        if matched:
            label = rule.reason or f"rule for {rule.severity}"
            return rule.severity, f"{label} ({matched})"
    return Severity.NORMAL, NO_RULE_MATCHED
