"""Extractive answers: the clause, the sentence(s) in it that answer, and a calibrated confidence."""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field

from ..messages import t
from .chunking import HEADER_LABEL, Chunk
from .index import KnowledgeIndex
from .retriever import Hit, Query, hybrid_search
from .tokenize import is_english, normalize

SENTENCE_RE = re.compile(r"(?<=[。！？!?])|\n")
QUANTITY_RE = re.compile(r"几|多少|多久|何时|什么时[候间]|哪天|期限|比例|how many|how much|how long|when|deadline|date|share|percent|proportion")
NUMBER_RE = re.compile(r"\d")
RELATED_COUNT = 3
TITLE_CLAUSE_MAX_CHARS = 200
SEARCHED_NAMES_SHOWN = 3


@dataclass
class Citation:
    doc: str
    clause: str
    path: str
    text: str
    score: float


@dataclass
class Answer:
    """What `assistant ask` returns; `to_json()` is the contract in ARCHITECTURE.md."""

    question: str
    answer: str
    confident: bool
    elapsed_ms: float = 0.0
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    quote: str = ""
    lang: str = "zh"
    error: str | None = None
    mode: str = "extractive"  # "llm" when an LLM wrote the answer and the grounding validator accepted it
    fallback: str | None = None  # why an LLM answer was not used (logged; not part of the JSON)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("quote")
        data.pop("lang")
        data.pop("fallback")
        if self.error is None:
            data.pop("error")
        return data


def clean_question(raw: str, limit: int) -> tuple[str, str | None]:
    """Strip control characters and spaces; return (question, error key or None)."""
    text = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in "\t ")
    text = " ".join(text.split())
    if not text:
        return text, "ask.empty"
    if len(text) > limit:
        return text, "ask.too_long"
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return text, "ask.no_words"
    return text, None


def _sentences(chunk: Chunk) -> list[str]:
    return [s.strip() for s in SENTENCE_RE.split(chunk.text) if s.strip()]


def select_quote(index: KnowledgeIndex, query: Query, chunk: Chunk) -> str:
    """The sentence(s) of the clause that answer the question, verbatim."""
    sentences = _sentences(chunk)
    if chunk.clause == HEADER_LABEL:
        # The header's identity lines: issuers, 文号, title, date (not the covering letter).
        lines = [s for s in sentences if len(s) <= 60 and s[-1] not in "。：:"]
        return " ".join(lines or sentences)
    if len(sentences) <= 1:
        return chunk.text.strip()
    terms = set(query.terms)
    wants_number = bool(QUANTITY_RE.search(normalize(query.text)))
    words = [set(index.tokenizer.words(s)) for s in sentences]
    # A term found in many sentences of the clause tells them apart less than one found in a single sentence.
    spread = {term: sum(term in w for w in words) for term in terms}

    def score(i: int) -> float:
        found = terms & words[i]
        # Count a phrase once: drop the search-mode pieces of a longer term the sentence also has.
        found = {term for term in found if not any(term != other and term in other for other in found)}
        value = sum(index.bm25.idf(term) / spread[term] for term in found)
        if wants_number and not NUMBER_RE.search(sentences[i]):
            value *= 0.5
        return value

    scores = [score(i) for i in range(len(sentences))]
    best = max(range(len(sentences)), key=lambda i: scores[i])
    is_title = best == 0 and chunk.part == 0 and chunk.cite.endswith(sentences[0].rstrip("。"))
    if is_title:
        if len(chunk.text) <= TITLE_CLAUSE_MAX_CHARS:
            return chunk.text.strip()
        return "".join(sentences[:2])
    return sentences[best]


def _searched(index: KnowledgeIndex, lang: str) -> str:
    """The documents searched: their names when few, else how many."""
    names = sorted({info["meta"].get("doc_number") or info["meta"].get("title") or info["meta"]["source"]
                    for info in index.docs.values()})
    if len(names) <= SEARCHED_NAMES_SHOWN:
        return "、".join(names)
    return t("answer.n_documents", lang, count=len(names))


def _citation(hit: Hit) -> Citation:
    return Citation(hit.chunk.doc, hit.chunk.clause, hit.chunk.path_str, hit.chunk.text, round(hit.score, 4))


def answer_question(index: KnowledgeIndex, raw_question: str, lang: str | None = None) -> Answer:
    """Answer from the documents, or say plainly that they do not cover the question."""
    started = time.perf_counter()
    settings = index.settings
    question, error = clean_question(raw_question, settings.max_question_chars)
    lang = lang or ("en" if is_english(question) else "zh")

    def done(result: Answer) -> Answer:
        result.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    if error:
        message = t(error, lang, length=len(question), limit=settings.max_question_chars)
        return done(Answer(question, message, False, lang=lang, error=error))
    if not index.chunks:
        return done(Answer(question, t("answer.no_index", lang), False, lang=lang, error="no_index"))

    query, hits = hybrid_search(index, question)
    citations = [_citation(h) for h in hits]
    top = hits[0] if hits else None
    confidence = top.coverage if top else 0.0
    if top is None or not query.terms or confidence < settings.confidence_threshold:
        text = t("answer.not_covered", lang, docs=_searched(index, lang))
        related = "；".join(f"{h.chunk.doc} {h.chunk.cite}" for h in hits[:RELATED_COUNT])
        if related:
            text += "\n" + t("answer.related", lang, items=related)
        return done(Answer(question, text, False, citations=citations, confidence=round(confidence, 4), lang=lang))

    quote = select_quote(index, query, top.chunk)
    text = f"{quote} — {top.chunk.doc} {top.chunk.cite}"
    lead = t("answer.lead", lang, clause=top.chunk.clause, doc=top.chunk.doc)
    if lead:
        text = f"{lead}\n{text}"
    return done(Answer(question, text, True, citations=citations, confidence=round(confidence, 4), quote=quote, lang=lang))
