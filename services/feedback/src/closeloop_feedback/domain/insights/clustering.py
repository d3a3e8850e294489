"""Text clusters of complaints: documents (their term sets) grouped when they share rare
terms. TF-IDF weights (binary term frequency), cosine similarity to each cluster's centroid,
single pass in the given order (leader clustering): deterministic and linear in the number
of clusters, which suits a daily batch of a few thousand complaints."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

Vector = dict[str, float]


@dataclass(frozen=True)
class TextCluster:
    """Complaints about the same thing: member ids (in input order) and the terms that
    characterise them (shared by most members, rarer terms first on ties)."""

    members: tuple[str, ...]
    terms: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class _Open:
    centroid: Vector = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    term_counts: Counter[str] = field(default_factory=Counter)


def _normalise(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def cluster_documents(
    documents: Sequence[tuple[str, Sequence[str]]],
    *,
    threshold: float = 0.3,
    min_size: int = 2,
    max_terms: int = 5,
) -> list[TextCluster]:
    """Clusters of at least ``min_size`` documents, largest first.

    ``documents`` are ``(id, terms)``; a document joins the most similar cluster when the
    cosine similarity of its TF-IDF vector to the cluster centroid reaches ``threshold``,
    otherwise it starts a new cluster.
    """
    df: Counter[str] = Counter()
    for _, terms in documents:
        df.update(set(terms))
    total = len(documents)
    idf = {t: math.log((1 + total) / (1 + n)) + 1 for t, n in df.items()}
    clusters: list[_Open] = []
    for doc_id, terms in documents:
        vector = _normalise({t: idf[t] for t in set(terms)})
        if not vector:
            continue
        best, best_score = None, threshold
        for cluster in clusters:
            score = _cosine(vector, _normalise(cluster.centroid))
            if score >= best_score:
                best, best_score = cluster, score
        if best is None:
            best = _Open()
            clusters.append(best)
        best.members.append(doc_id)
        best.term_counts.update(list(vector))
        for t, w in vector.items():
            best.centroid[t] = best.centroid.get(t, 0.0) + w
    kept = [c for c in clusters if len(c.members) >= min_size]
    kept.sort(key=lambda c: -len(c.members))  # stable: earlier clusters first on ties
    return [TextCluster(tuple(c.members), _characteristic_terms(c, idf, max_terms)) for c in kept]


def _characteristic_terms(cluster: _Open, idf: dict[str, float], limit: int) -> tuple[str, ...]:
    ranked = sorted(cluster.term_counts, key=lambda t: (-cluster.term_counts[t], -idf[t], t))
    shared = [t for t in ranked if cluster.term_counts[t] >= 2] or ranked
    return tuple(shared[:limit])
