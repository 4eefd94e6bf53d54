"""Sentence-level evidence: for each candidate unit, the signals that it states what the question asks.

The signals (`FEATURES`) are combined by the fitted model in `confidence.py` into one probability.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .bank import NO_QUESTIONS, surface
from .chunking import Chunk
from .index import KnowledgeIndex
from .ingest import squash
from .question import Question, analyse, answer_types, states_value, synonyms
from .retriever import Hit, Query
from .tokenize import normalize

BANK_NEIGHBOURS = 8  # bank questions whose units join the candidates
SYNONYM_WEIGHT = 0.6  # a word found only through a 词林 synonym counts this much
TITLE_CHARS = 30  # an item's first sentence this short is its title
ECHO_MIN_CHARS = 8  # a run of the question this long found verbatim in a clause is quoted from it

FEATURES = (
    "unit_cov", "clause_cov", "unseen", "dense_chunk", "dense_unit", "bank_unit", "bank_clause", "bank_gap",
    "bank_top", "type_missing", "type_found", "retrieval_rank", "english", "outline",
    "unit_cov_rel", "dense_unit_rel", "dense_chunk_rel", "bank_unit_rel", "bank_clause_rel", "gap_rel",
    "title", "label_ref", "number_missing", "bank_vote", "bank_lex", "bank_lex_clause", "residual", "unit_tok_cov",
    "bank_density", "echo_unseen",
)
BANK_FEATURES = ("bank_unit", "bank_clause", "bank_gap", "bank_top", "bank_vote", "bank_lex", "bank_lex_clause",
                 "bank_unit_rel", "bank_clause_rel", "gap_rel", "bank_best")
VOTE_NEIGHBOURS = 20  # bank questions that vote for the units they point to …
VOTE_TEMPERATURE = 0.01  # … each with weight exp(similarity / temperature)


NUMBER_RE = re.compile(r"\d+")
LABEL_REF_RE = re.compile(r"第\s*([0-9]+|[一二三四五六七八九十]+)\s*条|(?<![0-9])([0-9]{1,3})\s*条"
                          r"|[(（]\s*([一二三四五六七八九十]+)\s*[)）]|\b(?:item|clause|article|point)\s*([0-9]{1,3})\b",
                          re.IGNORECASE)
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


def referenced_labels(text: str) -> set[str]:
    """Clause labels the question names itself: 第8条 / 8条 → "8", （二） → "（二）"."""
    out: set[str] = set()
    for m in LABEL_REF_RE.finditer(text):
        number = m.group(1) or m.group(2) or m.group(4)
        if number:
            out.add(number if number.isdigit() else str(cn_number(number)))
        elif m.group(3):
            out.add(f"（{m.group(3)}）")
    return out


def cn_number(text: str) -> int:
    if text.startswith("十"):
        return 10 + (CN_DIGITS.get(text[1:], 0) if len(text) > 1 else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return CN_DIGITS.get(tens, 0) * 10 + CN_DIGITS.get(ones, 0)
    return CN_DIGITS.get(text, 0)


@dataclass
class Candidate:
    """One quotable unit with its signals."""

    row: int  # chunk row in the index
    unit: int  # unit number within the chunk
    text: str
    features: dict[str, float]
    hit: Hit | None
    probability: float = 0.0

    @property
    def key(self) -> tuple[int, int]:
        return self.row, self.unit


@dataclass
class Words:
    """The question's content words as found in the corpus: each with the forms to look for and a weight."""

    seen: list[tuple[tuple[str, ...], float]]  # (forms, idf × synonym discount)
    unseen: int
    total: int


def corpus_words(index: KnowledgeIndex, question: Question) -> Words:
    """Split the content words into those the corpus uses (directly, by alias or by synonym) and the rest."""
    seen: list[tuple[tuple[str, ...], float]] = []
    unseen = asker = 0
    for word in question.words:
        forms = index.tokenizer.forms(word)
        present = [f for f in forms if index.doc_freq(f)]
        if present:
            seen.append((tuple(forms), max(index.idf(f) for f in present)))
            continue
        similar = tuple(s for s in synonyms().get(word, ()) if index.doc_freq(s))
        if similar:
            seen.append((similar, SYNONYM_WEIGHT * max(index.idf(s) for s in similar)))
        elif word in question.asker:  # an unknown word saying who asks is not what is asked
            asker += 1
        else:
            unseen += 1
    unknown = [w for w in question.unknown if w not in question.asker]
    unseen += len(unknown)
    return Words(seen, unseen, len(question.words) - asker + len(unknown))


def coverage(words: Words, text: str | set[str]) -> float:
    """Weighted share of the corpus-known content words that the text contains (as substrings of a string,
    or as members of a set of words)."""
    total = sum(w for _, w in words.seen)
    if total <= 0:
        return 0.0
    return sum(w for forms, w in words.seen if any(f in text for f in forms)) / total


def echo(question: str, text: str) -> tuple[float, str]:
    """The share of the question quoted verbatim from text (runs of ECHO_MIN_CHARS or more, spaces ignored),
    and the rest of the question: what it asks beyond the words it quotes."""
    q, text = squash(normalize(question)), squash(normalize(text))
    rest, quoted, i = [], 0, 0
    while i < len(q):
        j = i + ECHO_MIN_CHARS
        if j <= len(q) and q[i:j] in text:
            while j < len(q) and q[i : j + 1] in text:
                j += 1
            quoted += j - i
            rest.append(" ")
            i = j
        else:
            rest.append(q[i])
            i += 1
    return (quoted / len(q) if q else 0.0), "".join(rest)


def echo_unseen(index: KnowledgeIndex, rest: Question, clause_text: str) -> float:
    """Share of the content words asked beyond a quoted passage that the clause does not contain."""
    asked = [w for w in rest.words if w not in rest.asker]
    unknown = [w for w in rest.unknown if w not in rest.asker]
    words = [w for w in asked if not any(f in clause_text for f in index.tokenizer.forms(w))]
    return (len(words) + len(unknown)) / (len(asked) + len(unknown)) if asked or unknown else 0.0


def candidates(index: KnowledgeIndex, query: Query, question: Question, hits: list[Hit],
               use_bank: bool = True) -> list[Candidate]:
    """Every unit of the retrieved chunks and of the chunks the nearest bank questions point to.

    `use_bank=False` gathers the evidence as if no document had a question bank (the model is fitted on
    both, so a document without one is answered the same way)."""
    words = corpus_words(index, question)
    vector = query.vector
    bank_sims = index.bank_vectors @ vector if use_bank and len(index.bank) and vector is not None else np.zeros(0)
    order = np.argsort(-bank_sims) if len(bank_sims) else np.zeros(0, dtype=int)
    nearest = list(order[:BANK_NEIGHBOURS])
    votes: dict[tuple[str, int], float] = {}
    voters = order[:VOTE_NEIGHBOURS]
    if len(voters):
        weights = np.exp((bank_sims[voters] - bank_sims[voters[0]]) / VOTE_TEMPERATURE)
        weights /= weights.sum()
        for n, weight in zip(voters, weights):
            key = (index.bank[n].chunk_id, index.bank[n].unit)
            votes[key] = votes.get(key, 0.0) + float(weight)
    said = surface(query.text)
    content = surface("".join(question.words)) | frozenset(question.unknown)
    lex = index.bank_surfaces.overlaps(said) if len(bank_sims) else np.zeros(0)  # word overlap with each bank question

    labels = referenced_labels(query.text)
    rows = [index.by_id[h.chunk.chunk_id] for h in hits]
    rows += [i for i, c in enumerate(index.chunks) if c.clause in labels and i not in rows]
    for n in nearest:
        row = index.by_id.get(index.bank[n].chunk_id)
        if row is not None and row not in rows:
            rows.append(row)
    rank = {index.by_id[h.chunk.chunk_id]: i for i, h in enumerate(hits)}
    hit_of = {index.by_id[h.chunk.chunk_id]: h for h in hits}
    dense_floor = min(query.dense.values(), default=0.0)
    top_bank = index.bank[nearest[0]] if nearest else None
    stated = question.stated
    out: list[Candidate] = []
    for row in rows:
        chunk: Chunk = index.chunks[row]
        clause_text = index.clause_texts[row]
        clause_cov = coverage(words, clause_text)
        echoed, rest = echo(query.text, chunk.text)
        rest_unseen = echo_unseen(index, analyse(index.tokenizer, rest), clause_text) if echoed else 0.0
        own_bank = index.bank_by_chunk.get(row, NO_QUESTIONS) if len(bank_sims) else NO_QUESTIONS
        density = index.bank_density.get(chunk.chunk_id.split("#")[0], 0.0) if len(bank_sims) else 0.0
        bank_clause = highest(bank_sims, own_bank.answers)
        bank_gap = highest(bank_sims, own_bank.gaps)
        bank_lex_clause = highest(lex, own_bank.answers)
        # the share of the values the question states (a year, a month, a percentage) that its clause never states
        value_clash = sum(not v.form.search(clause_text) for v in stated) / len(stated) if stated else 0.0
        for u, text in enumerate(index.units[row]):
            uid = index.unit_row.get(f"{chunk.chunk_id}~{u}")
            dense_unit = float(index.unit_vectors[uid] @ vector) if uid is not None and vector is not None else 0.0
            own = own_bank.units.get(u)
            bank_unit = highest(bank_sims, own)
            bank_lex = highest(lex, own)
            nearest_own = int(own[np.argmax(bank_sims[own])]) if own is not None else None
            context = index.chunk_surface(row) | (index.bank_surfaces[nearest_own] if nearest_own is not None else frozenset())
            features = {
                **read_signals(index, query.text, question, words, row, [u]),
                "unit_tok_cov": coverage(words, index.unit_words(row, u)),
                "clause_cov": clause_cov,
                "unseen": words.unseen / words.total if words.total else 1.0,
                "dense_chunk": query.dense.get(row, dense_floor),
                "dense_unit": dense_unit,
                "bank_unit": bank_unit,
                "bank_clause": bank_clause,
                "bank_gap": bank_gap,
                "bank_top": float(top_bank is not None and top_bank.chunk_id == chunk.chunk_id
                                  and (top_bank.unit == u or top_bank.gap)) * (-1.0 if top_bank and top_bank.gap else 1.0),
                "retrieval_rank": 1.0 / (1 + rank[row]) if row in rank else 0.0,
                "english": float(question.lang == "en"),
                "outline": float(chunk.outline),
            }
            features["title"] = float(u == 0 and len(index.units[row]) > 1 and len(text) <= TITLE_CHARS
                                      and not chunk.outline)
            features["label_ref"] = float(chunk.clause in labels)
            features["bank_vote"] = votes.get((chunk.chunk_id, u), 0.0) - votes.get((chunk.chunk_id, -1), 0.0)
            features["bank_lex"] = bank_lex
            features["bank_lex_clause"] = bank_lex_clause
            features["bank_density"] = density
            features["echo_unseen"] = rest_unseen
            features["value_clash"] = value_clash
            features["residual"] = len(content - context) / len(content) if content else 0.0
            out.append(Candidate(row, u, text, features, hit_of.get(row)))
    gaps = index.bank_gaps if len(bank_sims) else np.zeros(0, dtype=bool)
    best_answer = float(bank_sims[~gaps].max()) if (~gaps).any() else 0.0
    best_gap = float(bank_sims[gaps].max()) if gaps.any() else 0.0
    for name in ("unit_cov", "dense_unit", "dense_chunk"):
        top = max((c.features[name] for c in out), default=0.0)
        for c in out:
            c.features[f"{name}_rel"] = c.features[name] - top
    has_gaps = bool(gaps.any())
    for c in out:
        c.features["bank_unit_rel"] = c.features["bank_unit"] - best_answer
        c.features["bank_clause_rel"] = c.features["bank_clause"] - best_answer
        c.features["gap_rel"] = best_gap - best_answer if has_gaps else 0.0
        c.features["bank_best"] = best_answer
        # Bank evidence counts as far as the bank covers the unit's document: a sparse bank says little.
        for name in BANK_FEATURES:
            c.features[name] *= c.features["bank_density"]
        c.features["known_share"] = c.features["clause_cov"] * (1 - c.features["unseen"])
        c.features["english_unseen"] = c.features["english"] * c.features["unseen"]
    return out


def read_signals(index: KnowledgeIndex, asked: str, question: Question, words: Words, row: int,
                 units: list[int]) -> dict[str, float]:
    """The signals read from the text of some units of one chunk taken together (one unit, or all the units an
    answer quotes): how much of the question's known words they hold, whether they state a value of the asked type,
    and the share of the numbers the question (`asked`) names that they lack."""
    norm = "".join(index.unit_texts[row][u] for u in units)
    kind = answer_types().get(question.kind or "")
    checkable = kind is not None and kind.value is not None
    found = states_value(question.kind, "".join(index.units[row][u] for u in units)) if checkable else None
    numbers = set(NUMBER_RE.findall(normalize(asked)))
    stated = set(NUMBER_RE.findall(norm))
    return {
        "unit_cov": coverage(words, norm),
        "type_missing": float(found is False or (checkable and index.chunks[row].outline and question.kind != "count")),
        "type_found": float(found is True),
        "number_missing": sum(n not in stated for n in numbers) / len(numbers) if numbers else 0.0,
    }


def highest(values: np.ndarray, rows: np.ndarray | None) -> float:
    """The largest of values[rows] (0 when there are no rows)."""
    return float(values[rows].max()) if rows is not None and len(rows) else 0.0


def feature_matrix(cands: list[Candidate], names: tuple[str, ...] = FEATURES) -> np.ndarray:
    return np.array([[c.features[f] for f in names] for c in cands], dtype=np.float64).reshape(len(cands), len(names))
