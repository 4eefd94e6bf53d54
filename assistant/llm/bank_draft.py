"""A first draft of a document's question bank written by the configured LLM, for a person to review.

For every clause the model is shown the clause's sentences and asked, as one JSON object, for the ways people
would ask for what each sentence states (Chinese and English) and for things people would ask about that the
clause does not state (gaps). Nothing the model writes is trusted: a fact whose evidence is not verbatim in the
sentence it names, an unknown answer type or an entry without questions is dropped with its reason. The draft
goes to `<stem>.questions.draft.jsonl`, which the index never loads; a reviewer edits it and moves what holds
into `<stem>.questions.jsonl` (format: knowledge/bank.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..knowledge.bank import locate
from ..knowledge.chunking import chunk_document
from ..knowledge.ingest import read_document, sidecar, squash
from ..knowledge.units import units
from .provider import call

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

DRAFT_SUFFIX = ".questions.draft.jsonl"
ASKS = ("what", "who", "which_body", "yesno", "list", "count", "number", "percent", "date", "duration",
        "frequency", "money", "how", "why", "consequence", "other")
MAX_QUESTIONS = 12  # per entry: more is noise for a reviewer

MESSAGES = [
    ("system", (
        "You help build a question bank for a Chinese policy document. For the clause below, write how community "
        "workers would ask, in chat, for what each numbered sentence states: colloquial Chinese (with the typos and "
        "abbreviations people type) and casual English. Then list things people would plausibly ask about this "
        "clause that it does NOT state (gaps), e.g. a term, a fee, a frequency, a penalty it never gives.\n"
        "facts: sentence = the sentence number, evidence = a phrase copied verbatim from that sentence, "
        "asks = the answer type, q = the questions. gaps: entity = what is asked about, asks, q.\n"
        "Answer types: {asks}. Write {per_fact} questions per fact and {per_gap} per gap.\n{format}")),
    ("human", "Document: {title}\nClause {clause}: {path}\n\n{sentences}"),
]


class FactDraft(BaseModel):
    sentence: int = Field(description="number of the sentence that states it")
    evidence: str = Field(description="a phrase copied verbatim from that sentence")
    asks: str = Field(description="the answer type")
    q: list[str] = Field(description="the questions")


class GapDraft(BaseModel):
    entity: str = Field(description="what people ask about that the clause does not state")
    asks: str = Field(description="the answer type")
    q: list[str] = Field(description="the questions")


class ClauseDraft(BaseModel):
    facts: list[FactDraft] = Field(default_factory=list)
    gaps: list[GapDraft] = Field(default_factory=list)


@dataclass
class DraftReport:
    path: Path  # the draft written
    entries: list[dict] = field(default_factory=list)
    dropped: list[tuple[str, str, dict]] = field(default_factory=list)  # (clause, catalogue key, its values)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (clause, why the model gave nothing usable)

    @property
    def questions(self) -> int:
        return sum(len(e["q"]) for e in self.entries)


def draft_path(document: Path) -> Path:
    return sidecar(document, DRAFT_SUFFIX)


def _questions(raw: list[str]) -> list[str]:
    out: list[str] = []
    for q in (" ".join(str(q).split()) for q in raw):
        if q and q not in out:
            out.append(q)
    return out[:MAX_QUESTIONS]


def checked(clause: str, sentences: list[str], draft: ClauseDraft, chunks) -> tuple[list[dict], list[tuple[str, dict]]]:
    """The bank entries of one clause's draft that hold, and why the others were dropped (catalogue key, values)."""
    entries, dropped = [], []
    for fact in draft.facts:
        questions = _questions(fact.q)
        given = {"sentence": fact.sentence, "evidence": fact.evidence[:40], "asks": fact.asks}
        if not 1 <= fact.sentence <= len(sentences):
            dropped.append(("llm.draft.no_sentence", given))
        elif not squash(fact.evidence) or squash(fact.evidence) not in squash(sentences[fact.sentence - 1]):
            dropped.append(("llm.draft.not_verbatim", given))
        elif fact.asks not in ASKS:
            dropped.append(("llm.draft.unknown_type", given))
        elif not questions:
            dropped.append(("llm.draft.no_questions", given))
        elif locate(chunks, clause, fact.evidence) is None:  # what the bank loader will look for
            dropped.append(("llm.draft.not_located", given))
        else:
            entries.append({"clause": clause, "evidence": fact.evidence, "asks": fact.asks, "q": questions})
    for gap in draft.gaps:
        questions = _questions(gap.q)
        if not gap.entity.strip() or not questions:
            dropped.append(("llm.draft.empty_gap", {"entity": gap.entity[:40]}))
        elif gap.asks not in ASKS:
            dropped.append(("llm.draft.unknown_type", {"asks": gap.asks}))
        else:
            entries.append({"near": clause, "entity": gap.entity.strip(), "asks": gap.asks, "q": questions})
    return entries, dropped


async def draft_bank(model: BaseChatModel, document: Path, timeout: float, per_fact: int = 6, per_gap: int = 4,
                     out: Path | None = None, max_chunk_chars: int = 600) -> DraftReport:
    """Draft the bank of one document clause by clause and write it (JSON lines) to `out` or the draft path."""
    from langchain_core.output_parsers import PydanticOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    doc = read_document(document)
    chunks = chunk_document(doc, max_chunk_chars)
    parser = PydanticOutputParser(pydantic_object=ClauseDraft)
    chain = ChatPromptTemplate.from_messages(MESSAGES).partial(
        format=parser.get_format_instructions(), asks=", ".join(ASKS), per_fact=str(per_fact),
        per_gap=str(per_gap)) | model | parser
    report = DraftReport(out or draft_path(document))
    seen: set[str] = set()
    for chunk in chunks:
        if chunk.outline or chunk.clause in seen:  # an outline states nothing of its own; a long clause once
            continue
        seen.add(chunk.clause)
        sentences = [u for c in chunks if c.clause == chunk.clause for u in units(c)]
        numbered = "\n".join(f"{n}. {s}" for n, s in enumerate(sentences, 1))
        outcome = await call("bank draft", chain.ainvoke(
            {"title": doc.doc_id, "clause": chunk.clause, "path": chunk.path_str,
             "sentences": numbered}), timeout)
        if not outcome.ok:
            report.failed.append((chunk.clause, outcome.reason))
            continue
        entries, dropped = checked(chunk.clause, sentences, outcome.value, chunks)
        report.entries.extend(entries)
        report.dropped.extend((chunk.clause, key, values) for key, values in dropped)
    report.path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in report.entries),
                           encoding="utf-8")
    return report
