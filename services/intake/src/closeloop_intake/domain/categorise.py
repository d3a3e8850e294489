"""Category from the text (R2: classify by type), when the channel did not give one.

Each rule names a category and keywords (Chinese and English). The category whose rule
matches the most distinct keywords wins; a tie goes to the rule listed first; nothing
matching leaves the default category. The reason names the rule and the keywords, as
severity grading's does, e.g. ``"billing terms (keywords '扣费', '账单')"``.

English keywords match whole words. Chinese has no spaces, so with a segmenter (jieba,
see ``closeloop_shared.segmentation``) a Chinese keyword must not straddle words: it may
span whole words ("服务态度" = 服务 + 态度) or lie inside one ("话费" in "月话费"), but
"话费" is not found in "他说话费劲", whose words are 说话 and 费劲. Without a segmenter
Chinese keywords match as substrings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from closeloop_intake.domain.severity import find_keyword

GIVEN_BY_CALLER = "given by caller"
NO_CATEGORY_RULE = "no category rule matched; default"
Spans = Callable[[str], Iterable[tuple[int, int]]]


@dataclass(frozen=True)
class CategoryRule:
    """Keywords that point at ``category``."""

    category: str
    keywords: tuple[str, ...]
    reason: str = ""


DEFAULT_CATEGORY_RULES: tuple[CategoryRule, ...] = (
    CategoryRule(
        "billing",
        (
            "扣费", "扣款", "账单", "话费", "资费", "退款", "发票", "收费", "计费", "套餐费",
            "余额", "充值", "bill", "billing", "invoice", "refund", "charge", "charged",
            "overcharged", "fee", "fees", "payment", "tariff",
        ),
        "billing terms",
    ),
    CategoryRule(
        "delivery",
        (
            "快递", "物流", "配送", "送货", "包裹", "签收", "派送", "发货", "运单", "快递员",
            "delivery", "delivered", "parcel", "package", "shipping", "shipment", "courier",
            "tracking",
        ),
        "delivery terms",
    ),
    CategoryRule(
        "product_quality",
        (
            "质量", "故障", "坏了", "损坏", "破损", "漏水", "做工", "次品", "假货", "维修",
            "不能用", "quality", "broken", "defective", "faulty", "damaged", "leaking",
            "malfunction", "repair",
        ),
        "product quality terms",
    ),
    CategoryRule(
        "service_attitude",
        (
            "态度", "服务态度", "客服", "不耐烦", "辱骂", "骂人", "敷衍", "推诿", "不理睬",
            "attitude", "rude", "impolite", "unfriendly", "staff", "ignored",
        ),
        "service attitude terms",
    ),
    CategoryRule(
        "business_handling",
        (
            "办理", "业务", "手续", "开户", "销户", "过户", "转网", "注销", "预约", "审批",
            "application", "account", "cancellation", "appointment", "paperwork", "procedure",
        ),
        "business handling terms",
    ),
)  # fmt: skip


def _matches_on_words(folded: str, keyword: str, bounds: Collection[int]) -> bool:
    """Whether ``keyword`` occurs spanning whole words or inside one word."""
    for m in re.finditer(re.escape(keyword.casefold()), folded):
        start, end = m.start(), m.end()
        aligned = start in bounds and end in bounds
        if aligned or not any(start < b < end for b in bounds):
            return True
    return False


def derive_category(
    text: str,
    rules: Sequence[CategoryRule] = DEFAULT_CATEGORY_RULES,
    *,
    allowed: Collection[str] | None = None,
    spans: Spans | None = None,
) -> tuple[str, str] | None:
    """``(category, reason)`` of the best-matching rule, or None when none matches.

    ``allowed`` limits the result to the enterprise's categories; ``spans`` segments
    Chinese text into words (only called when a Chinese keyword could match).
    """
    folded = text.casefold()
    bounds: set[int] | None = None
    best: tuple[int, int, CategoryRule, list[str]] | None = None
    for order, rule in enumerate(rules):
        if allowed is not None and rule.category not in allowed:
            continue
        found = []
        for keyword in dict.fromkeys(rule.keywords):
            if keyword.isascii():
                if find_keyword(text, [keyword]):
                    found.append(keyword)
                continue
            if keyword.casefold() not in folded:
                continue
            if spans is not None and bounds is None:
                bounds = {edge for span in spans(folded) for edge in span}
            if bounds is None or _matches_on_words(folded, keyword, bounds):
                found.append(keyword)
        if found and (best is None or (len(found), -order) > (best[0], best[1])):
            best = (len(found), -order, rule, found)
    if best is None:
        return None
    _, _, rule, found = best
    listed = ", ".join(f"'{k}'" for k in found)
    label = rule.reason or f"rule for {rule.category}"
    return rule.category, f"{label} (keyword{'s' if len(found) > 1 else ''} {listed})"
