"""Keyword terms: jieba segments Chinese properly; names, places, numbers, contact details
and stopwords never become keywords; a keyword is shared by several complaints."""

from __future__ import annotations

from closeloop_feedback.domain.insights.terms import select_terms, top_keywords
from closeloop_feedback.insights.segmentation import terms_of


def test_chinese_text_is_segmented_into_words_not_characters() -> None:
    terms = terms_of("账单重复扣费两次，请退还重复扣款")
    assert {"账单", "扣费", "扣款", "退还"} <= set(terms)
    assert all(len(t) >= 2 for t in terms)


def test_person_names_numbers_and_contacts_are_not_terms() -> None:
    terms = terms_of("我是张伟，电话13800138000，邮箱zw@example.com，快递延误了五天")
    assert "张伟" not in terms
    assert not any("138" in t or "example" in t or "@" in t for t in terms)
    assert {"快递", "延误"} <= set(terms)


def test_english_terms_are_lower_case_without_stopwords() -> None:
    terms = terms_of("The Refund was NOT processed and the charge remains")
    assert "refund" in terms and "charge" in terms
    assert "the" not in terms and "was" not in terms


def test_select_terms_keeps_content_words_once_in_order() -> None:
    tagged = [("账单", "n"), ("的", "uj"), ("扣费", "v"), ("账单", "n"), ("李雷", "nr"), ("5", "m")]
    assert select_terms(tagged) == ("账单", "扣费")


def test_top_keywords_need_several_documents_and_rank_by_document_count() -> None:
    docs = [("账单", "扣费"), ("账单", "扣费", "退款"), ("账单",), ("快递",)]
    assert top_keywords(docs, limit=5) == [("账单", 3), ("扣费", 2)]
