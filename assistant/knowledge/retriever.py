"""Hybrid retrieval (BM25 + dense, score fusion, term-coverage rerank); as a LangChain retriever in clause_retriever.py."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk
from .index import KnowledgeIndex
from .tokenize import is_english

# Weights of the three signals in the final score; the config's dense_weight splits the first two.
COVERAGE_WEIGHT = 0.5


@dataclass
class Hit:
    """A retrieved chunk with the scores that put it there."""

    chunk: Chunk
    score: float
    bm25: float
    dense: float
    coverage: float


@dataclass
class Query:
    """A question analysed for retrieval."""

    text: str
    terms: list[str]
    unknown: list[str]  # English words the glossary could not translate
    vector: np.ndarray | None = None  # the question's embedding (query side)
    dense: dict[int, float] = field(default_factory=dict)  # chunk row → cosine similarity


def _coverage(bm25, query_terms: list[str], unknown: list[str], chunk_terms: set[str]) -> float:
    """IDF-weighted share of the question's terms that the chunk contains.

    Words the corpus has never seen weigh as much as the rarest term, so a question about
    something the documents do not mention scores low however common its other words are.
    A compound term (小区党支部) counts as found when the shorter question terms inside it are.
    """
    terms = list(dict.fromkeys(query_terms))
    found = {t for t in terms if t in chunk_terms}
    for t in terms:
        if t not in found and len(t) >= 3:
            parts = [p for p in found if p != t and p in t]
            if parts and set(t) <= set("".join(parts)):
                found.add(t)
    unseen = bm25.idf("\x00unseen")
    total = sum(bm25.idf(t) for t in terms) + unseen * len(unknown)
    if total <= 0:
        return 0.0
    return sum(bm25.idf(t) for t in found) / total


def hybrid_search(index: KnowledgeIndex, question: str, k: int | None = None) -> tuple[Query, list[Hit]]:
    """Rank chunks for a question: fused BM25 and dense scores, reranked by term coverage."""
    settings = index.settings
    k = k or settings.top_k
    terms, unknown = index.tokenizer.query_terms(question)
    query = Query(question, terms, unknown)
    if not index.chunks:
        return query, []
    sparse = index.bm25.scores(terms)
    top_sparse = sorted(sparse, key=sparse.get, reverse=True)[: settings.candidates]
    # English questions are embedded together with their glossary translation: e5 matches Chinese better.
    dense_text = f"{question} {' '.join(dict.fromkeys(terms))}" if is_english(question) else question
    query.vector = index.query_vector(dense_text)
    dense = query.dense = index.dense(query.vector, settings.candidates)
    candidates = set(top_sparse) | set(dense)
    max_sparse = max(sparse.values(), default=0.0) or 1.0
    lo, hi = min(dense.values(), default=0.0), max(dense.values(), default=1.0)
    span = (hi - lo) or 1.0
    w = settings.dense_weight
    hits = []
    for i in candidates:
        s = sparse.get(i, 0.0) / max_sparse
        d = (dense[i] - lo) / span if i in dense else 0.0
        cov = _coverage(index.bm25, terms, unknown, set(index.tokens[i]))
        score = (1 - COVERAGE_WEIGHT) * ((1 - w) * s + w * d) + COVERAGE_WEIGHT * cov
        hits.append(Hit(index.chunks[i], score, sparse.get(i, 0.0), dense.get(i, 0.0), cov))
    hits.sort(key=lambda h: h.score, reverse=True)
    return query, hits[:k]
