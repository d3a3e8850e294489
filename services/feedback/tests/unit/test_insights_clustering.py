"""Text clusters group complaints about the same problem."""

from __future__ import annotations

from closeloop_feedback.domain.insights.clustering import cluster_documents
from closeloop_feedback.insights.segmentation import terms_of

TEXTS = {
    "b1": "账单重复扣费，请退还重复扣款",
    "d1": "快递延误五天，包裹还没有送到",
    "b2": "信用卡账单被重复扣费两次，要求退还扣款",
    "b3": "本月账单扣费两次，重复扣款请退还",
    "d2": "包裹快递严重延误，一直没有送到",
    "x1": "营业厅工作人员服务态度恶劣",
}


def test_complaints_about_the_same_problem_share_a_cluster() -> None:
    docs = [(cid, terms_of(text)) for cid, text in TEXTS.items()]
    clusters = cluster_documents(docs)
    groups = [set(c.members) for c in clusters]
    assert groups == [{"b1", "b2", "b3"}, {"d1", "d2"}]
    assert "扣费" in clusters[0].terms
    assert {"快递", "延误"} & set(clusters[1].terms)


def test_clustering_is_deterministic_and_skips_singletons() -> None:
    docs = [(cid, terms_of(text)) for cid, text in TEXTS.items()]
    assert cluster_documents(docs) == cluster_documents(docs)
    assert all(c.size >= 2 for c in cluster_documents(docs))


def test_documents_without_terms_form_no_cluster() -> None:
    assert cluster_documents([("a", ()), ("b", ())]) == []
