"""Extractive answers: the clause, the sentence(s) in it that answer, and a calibrated confidence."""
from __future__ import annotations

import time
import unicodedata
from dataclasses import asdict, dataclass, field

import numpy as np

from ..messages import t
from .chunking import HEADER_LABEL, PREAMBLE_LABEL, Chunk, is_item
from .confidence import Engine, decision_row, shipped
from .evidence import Candidate, Words, candidates, corpus_words, coverage, feature_matrix, read_signals
from .index import KnowledgeIndex
from .ingest import squash
from .outline import Structural, names_another_document, structural
from .question import Question, analyse, several_pattern, states_value
from .retriever import Hit, Query, hybrid_search
from .tokenize import is_english, normalize, readings

RELATED_COUNT = 3
SEARCHED_NAMES_SHOWN = 3
MAX_UNITS_QUOTED = 3  # a question asking for several facts of one clause gets up to this many sentences
ALSO_QUOTED_SHARE = 0.6  # … each at least this share of the best one's probability
SEVERAL_MIN_GAIN = 0.2  # a question asking several things: a unit joins when it holds this share of the words still missing
NEAR_MISS_COVERAGE = 0.5  # the clause holds at least this share of the question's known words …
NEAR_MISS_UNSEEN = 0.5  # … and at most this share of the question's content words are unknown to the corpus
ENTITY_WORDS = 2
NEAR_MISS_EN_TERMS = 2  # … or, for an English question, at least this many of its specific terms are in the clause
NEAR_MISS_SPECIFIC_SHARE = 0.25  # a term found in at most this share of the clauses is specific
DOCUMENT = ""  # the clause of a citation of the document as a whole (its parts)
ATTRIBUTE_KINDS = ("frequency", "money", "age", "duration", "date", "percent", "count", "who")


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


def _searched(index: KnowledgeIndex, lang: str) -> str:
    """The documents searched: their names when few, else how many."""
    names = sorted({info["meta"].get("doc_number") or info["meta"].get("title") or info["meta"]["source"]
                    for info in index.docs.values()})
    if len(names) <= SEARCHED_NAMES_SHOWN:
        return "、".join(names)
    return t("answer.n_documents", lang, count=len(names))


def _citation(hit: Hit) -> Citation:
    return Citation(hit.chunk.doc, hit.chunk.clause, hit.chunk.path_str, hit.chunk.text, round(hit.score, 4))


def _near_miss(index: KnowledgeIndex, question: Question, cands: list[Candidate], lang: str) -> str | None:
    """When the documents speak of what was asked about but do not state the asked thing: say so, and quote
    what they do say about it (the unit that best covers the question's words). None when they do not."""
    words = corpus_words(index, question)
    if not words.seen or not cands:
        return None
    best = max(cands, key=lambda c: (c.features["clause_cov"], c.features["unit_cov"], c.features["dense_unit"]))
    chunk = index.chunks[best.row]
    clause_text = index.clause_texts[best.row]
    found = [forms[0] for forms, weight in sorted(words.seen, key=lambda fw: -fw[1])
             if not forms[0].isdigit() and any(f in clause_text for f in forms)]  # a number is no subject
    # An English question's everyday words are outside the glossary: there, enough of the documents' specific
    # terms (in few clauses: not 社区 or 党员) found in the clause stand for a known subject, whatever share of
    # words the glossary lacks.
    specific = [w for w in found if index.doc_freq(w) <= len(index.chunks) * NEAR_MISS_SPECIFIC_SHARE]
    known = question.lang == "en" and len(specific) >= NEAR_MISS_EN_TERMS
    if best.features["clause_cov"] < NEAR_MISS_COVERAGE or (best.features["unseen"] > NEAR_MISS_UNSEEN and not known):
        return None
    # who asks (我是楼栋长 …) is not what is asked about, unless nothing else of the question is in the clause
    subject = [w for w in found if w not in question.asker] or found
    entity = _phrase(normalize(question.text), subject[:ENTITY_WORDS])
    absent = [v.said for v in question.stated if not v.form.search(clause_text)]
    if absent:  # the question states a value the clause never states: name it
        values = "、".join(f"“{v}”" for v in absent)
        return t("answer.near_miss_value", lang, values=values, values_en=", ".join(absent), entity=entity,
                 doc=chunk.doc, cite=chunk.cite, quote=best.text)
    kind = question.kind if question.kind in ATTRIBUTE_KINDS else "other"
    return t("answer.near_miss", lang, entity=entity, attribute=t(f"answer.attr.{kind}", "zh"),
             attribute_en=t(f"answer.attr.{kind}", "en"), doc=chunk.doc, cite=chunk.cite, quote=best.text)


def _phrase(text: str, words: list[str]) -> str:
    """The words as the question says them: adjacent ones joined (负面行为 + 评价 → 负面行为评价), others with 、."""
    words = sorted(words, key=lambda w: text.find(w) if w in text else len(text))
    parts: list[str] = []
    for word in words:
        if parts and parts[-1] + word in text:
            parts[-1] += word
        else:
            parts.append(word)
    return "、".join(parts)


def quoted_units(index: KnowledgeIndex, cands: list[Candidate], best: Candidate, words: Words | None = None,
                 kind: str | None = None) -> list[Candidate]:
    """The best unit, with the other units of its clause that also answer: those nearly as probable, and, when
    the question asks for several things at once (`words` given), those that hold asked words the chosen ones
    do not, and the likeliest one stating a value of the asked type (`kind`) when none of them does. In the order
    the clause says them."""
    heading = squash(normalize(index.chunks[best.row].path[-1]))
    body = [c for c in cands if c.row == best.row and not _is_heading(c, heading)]
    if _is_heading(best, heading) and body:  # a clause's title states nothing: quote what the clause says under it
        best = max(body, key=lambda c: c.probability)
    also = [c for c in body if c is not best and c.probability >= ALSO_QUOTED_SHARE * best.probability]
    chosen = [best, *sorted(also, key=lambda c: -c.probability)[: MAX_UNITS_QUOTED - 1]]
    if words is not None:
        rest = [c for c in body if all(c is not k for k in chosen)]
        while rest and len(chosen) < MAX_UNITS_QUOTED:
            held = readings("".join(c.text for c in chosen))
            missing = Words([fw for fw in words.seen if not any(f in held for f in fw[0])], 0, 0)
            gain = {id(c): coverage(missing, readings(c.text)) for c in rest}
            pick = max(rest, key=lambda c: (gain[id(c)], c.probability))
            if gain[id(pick)] < SEVERAL_MIN_GAIN:
                break
            chosen.append(pick)
            rest.remove(pick)
        typed = [c for c in rest if states_value(kind, c.text)]
        if typed and len(chosen) < MAX_UNITS_QUOTED and states_value(kind, "".join(c.text for c in chosen)) is False:
            chosen.append(max(typed, key=lambda c: c.probability))
    return sorted(chosen, key=lambda c: c.unit)


def decision_input(index: KnowledgeIndex, asked: str, question: Question, words: Words, cands: list[Candidate],
                   probs: np.ndarray, quoted: list[Candidate]) -> np.ndarray:
    """The decision model's row: the best unit's standing, with what is read from the text (the asked words, the
    asked type of value, the numbers named) read on all the units the answer quotes, since those are what it
    shows (a question asking who and how many is answered by two sentences together)."""
    features = [c.features for c in cands]
    if len(quoted) == 1:
        return decision_row([c.row for c in cands], features, probs)
    best = int(np.argmax(probs))
    pooled = read_signals(index, asked, question, words, quoted[0].row, [c.unit for c in quoted])
    features[best] = {**features[best], **pooled}
    return decision_row([c.row for c in cands], features, probs, quoted=sum(c.probability for c in quoted))


def _is_heading(cand: Candidate, heading: str) -> bool:
    """Whether the unit is only its clause's heading repeated (a title, stating nothing)."""
    return bool(cand.features["title"]) and squash(normalize(cand.text)).rstrip("。") in heading


def asks_several(question: str) -> bool:
    """Whether the question asks for several things at once (language data: question.yaml `several`)."""
    return bool(several_pattern().search(normalize(question)))


def _ranked_rows(cands: list[Candidate]) -> list[int]:
    """The candidates' chunk rows, by the share of the ranking model's probability each clause holds."""
    share = _clause_shares(cands)
    return sorted(share, key=lambda row: -share[row])


def _structural_answer(index: KnowledgeIndex, question: str, outline: Structural, hits: list[Hit],
                       cands: list[Candidate], lang: str) -> Answer:
    """An answer read from the headings. Its confidence is 1 when the question names the heading (the
    headings state the answer); when it asks where a matter sits, the largest share the ranking gives one clause."""
    chunk = index.chunks[outline.row]
    confidence = round(max(_clause_shares(cands).values(), default=0.0), 4) if outline.ranked else 1.0
    if outline.whole:  # the document's parts: cited as the document, not as its header
        lead = lead_line(DOCUMENT, chunk.doc, lang)
        text = f"{outline.quote} — {chunk.doc}"
        citations = [Citation(chunk.doc, DOCUMENT, "", outline.quote, 0.0), *(_citation(h) for h in hits)]
        return Answer(question, f"{lead}\n{text}" if lead else text, True, citations=citations,
                      confidence=confidence, quote=outline.quote, lang=lang)
    citations = [_citation(h) for h in _led_by(hits, chunk, Hit(chunk, 0.0, 0.0, 0.0, 0.0))]
    return Answer(question, _quoted(chunk, outline.quote, lang), True, citations=citations, confidence=confidence,
                  quote=outline.quote, lang=lang)


def _led_by(hits: list[Hit], chunk: Chunk, fallback: Hit) -> list[Hit]:
    """The hits with the cited chunk's first (`fallback` when retrieval did not return it)."""
    lead = next((h for h in hits if h.chunk.chunk_id == chunk.chunk_id), None) or fallback
    return [lead, *(h for h in hits if h.chunk.chunk_id != chunk.chunk_id)]


def source_line(citation: Citation, lang: str) -> str:
    """The line naming where a quote is from (the document alone when the whole document is cited)."""
    return t("answer.source", lang, doc=citation.doc, path=citation.path).rstrip()


def lead_line(clause: str, doc: str, lang: str) -> str:
    """The line before a quote in the language ("" when the quote needs none): it names the clause, part, header
    or preamble quoted."""
    if clause == DOCUMENT:
        key = "answer.lead.document"
    elif clause in (HEADER_LABEL, PREAMBLE_LABEL):
        key = f"answer.lead.{clause}"
    else:
        key = "answer.lead" if is_item(clause) else "answer.lead.part"
    return t(key, lang, clause=clause, doc=doc)


def _quoted(chunk: Chunk, quote: str, lang: str) -> str:
    """The quote with its document and clause path, after the language's lead when it has one."""
    text = f"{quote} — {chunk.doc} {chunk.cite}"
    lead = lead_line(chunk.clause, chunk.doc, lang)
    return f"{lead}\n{text}" if lead else text


def _clause_shares(cands: list[Candidate]) -> dict[int, float]:
    share: dict[int, float] = {}
    for c in cands:
        share[c.row] = share.get(c.row, 0.0) + c.probability
    return share


def _score(engine: Engine, cands: list[Candidate]) -> np.ndarray:
    """The ranking model's share of each candidate (also kept on the candidate)."""
    probs = engine.units.shares(feature_matrix(cands, engine.units.features))
    for cand, p in zip(cands, probs):
        cand.probability = float(p)
    return probs


def _ranked(index: KnowledgeIndex, engine: Engine, text: str) -> list[Candidate]:
    cands = rank(index, text)[3]
    _score(engine, cands)
    return cands


def rank(index: KnowledgeIndex, question: str) -> tuple[Query, list[Hit], Question, list[Candidate]]:
    """Retrieve the candidate clauses for a cleaned question and gather the evidence of each of their units."""
    if not is_english(question):
        question = index.homophones.correct(question)
    query, hits = hybrid_search(index, question)
    analysis = analyse(index.tokenizer, question)
    return query, hits, analysis, candidates(index, query, analysis, hits)


def answer_question(index: KnowledgeIndex, raw_question: str, lang: str | None = None,
                    engine: Engine | None = None) -> Answer:
    """Answer from the documents, or say plainly that they do not state it — and what they do say nearby."""
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

    engine = engine or shipped()
    query, hits, analysis, cands = rank(index, question)
    probs = _score(engine, cands)
    best = max(cands, key=lambda c: c.probability, default=None)
    confidence = 0.0
    if best is not None:
        words = corpus_words(index, analysis)
        quoted = quoted_units(index, cands, best, *((words, analysis.kind) if asks_several(question) else ()))
        row = decision_input(index, query.text, analysis, words, cands, probs, quoted)
        confidence = round(float(engine.decision.probabilities(row[None, :])[0]), 4)
        top = index.chunks[best.row]
        hits = _led_by(hits, top, best.hit or Hit(top, 0.0, 0.0, best.features["dense_chunk"], best.features["clause_cov"]))
        outline = structural(index, question, _ranked_rows(cands),
                             lambda text: _ranked_rows(_ranked(index, engine, text)))
        if outline is not None:
            return done(_structural_answer(index, question, outline, hits, cands, lang))
    citations = [_citation(h) for h in hits]
    elsewhere = best is not None and top.clause == HEADER_LABEL and names_another_document(normalize(question))
    if elsewhere:  # what the header says is this document's, never the other one asked about
        text = t("answer.another_document", lang, doc=top.doc, quote="".join(c.text for c in quoted))
        return done(Answer(question, text, False, citations=citations, confidence=confidence, lang=lang))
    if best is None or confidence < settings.confidence_threshold:
        text = _near_miss(index, analysis, cands, lang) if best is not None else None
        if text is None:
            text = t("answer.not_covered", lang, docs=_searched(index, lang))
            unstated = [v.said for v in analysis.stated
                        if not any(v.form.search(clause) for clause in index.clause_texts)]
            if unstated:  # a value the question states that no document states: say that first
                text = t("answer.value_unstated", lang, values="、".join(f"“{v}”" for v in unstated),
                         values_en=", ".join(unstated)) + text
            related = "；".join(f"{h.chunk.doc} {h.chunk.cite}" for h in hits[:RELATED_COUNT])
            if related:
                text += "\n" + t("answer.related", lang, items=related)
        return done(Answer(question, text, False, citations=citations, confidence=confidence, lang=lang))

    quote = "".join(c.text for c in quoted)
    return done(Answer(question, _quoted(top, quote, lang), True, citations=citations, confidence=confidence,
                       quote=quote, lang=lang))
