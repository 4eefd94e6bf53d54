"""Answer synthesis: a LangChain chain over the clause retriever writes a short cited answer; the grounding
validator accepts it or the extractive answer stands (the reason is logged and kept in `Answer.fallback`).
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING

from ..knowledge.answer import Answer, Citation, answer_question
from ..knowledge.index import KnowledgeIndex

if TYPE_CHECKING:  # LangChain is imported when a model is configured: `assistant ask` offline does without it
    from langchain_core.documents import Document
    from langchain_core.language_models import BaseChatModel
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import Runnable

    from ..knowledge.clause_retriever import ClauseRetriever

LANGUAGES = {"zh": "简体中文", "en": "English"}
SYSTEM = (
    "You answer questions about Chinese policy documents for community workers. Use ONLY the clauses given. "
    "Answer in {language}, in at most three sentences. After each statement cite the clause it comes from by "
    "its label in square brackets exactly as shown before the clause, e.g. [3]. Copy every number, date and "
    "clause label exactly as the clause writes it; never compute or guess one. Put in quotation marks only "
    "exact Chinese text from a clause."
)
HUMAN = "Clauses:\n{context}\n\nQuestion: {question}"


@cache
def prompt() -> ChatPromptTemplate:
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])


def format_clauses(docs: list[Document]) -> str:
    """Each clause as `[label] document cite` then its text: the labels the model must cite by."""
    return "\n\n".join(f"[{d.metadata['clause']}] {d.metadata['doc']} {d.metadata['cite']}\n{d.page_content}"
                       for d in docs)


def build_chain(model: BaseChatModel, retriever: ClauseRetriever) -> Runnable:
    """{"question", "lang"} → {"question", "lang", "docs": retrieved clauses, "text": the model's answer}."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.runnables import RunnablePassthrough

    inputs = {
        "context": lambda x: format_clauses(x["docs"]),
        "question": itemgetter("question"),
        "language": lambda x: LANGUAGES.get(x["lang"], LANGUAGES["zh"]),
    }
    return (RunnablePassthrough.assign(docs=itemgetter("question") | retriever)
            .assign(text=inputs | prompt() | model | StrOutputParser()))


def _citations(docs: list[Document], cited: tuple[int, ...]) -> list[Citation]:
    order = list(cited) + [i for i in range(len(docs)) if i not in cited]
    return [Citation(docs[i].metadata["doc"], docs[i].metadata["clause"], docs[i].metadata["path"],
                     docs[i].page_content, round(docs[i].metadata["score"], 4)) for i in order]


async def llm_answer(index: KnowledgeIndex, model: BaseChatModel | None, question: str,
                     lang: str | None = None) -> Answer:
    """The LLM's grounded answer when a model is configured and its text passes the validator, else the
    extractive answer. Questions the directive does not cover keep the extractive refusal (no LLM call)."""
    started = time.perf_counter()
    base = await asyncio.to_thread(answer_question, index, question, lang)
    if model is None or base.error or not base.confident:
        return base
    from ..knowledge.clause_retriever import ClauseRetriever
    from .grounding import validate_answer
    from .provider import call, rejected

    settings = index.settings
    chain = build_chain(model, ClauseRetriever(index=index, k=settings.top_k))
    outcome = await call("answer", chain.ainvoke({"question": base.question, "lang": base.lang}), settings.llm_timeout)
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    if not outcome.ok:
        return replace(base, elapsed_ms=elapsed, fallback=outcome.reason)
    text, docs = outcome.value["text"].strip(), outcome.value["docs"]
    verdict = validate_answer(text, docs, settings.llm_max_answer_chars)
    if not verdict.ok:
        rejected("answer", f"{verdict.reason} | {base.question!r} → {text[:200]!r}")
        return replace(base, elapsed_ms=elapsed, fallback=verdict.reason)
    citations = _citations(docs, verdict.cited)
    top = base.citations[0]
    same = (citations[0].doc, citations[0].clause, citations[0].path) == (top.doc, top.clause, top.path)
    quote = base.quote if same else citations[0].text  # the exact text the answer rests on, shown beside it
    return replace(base, answer=text, mode="llm", citations=citations, quote=quote, elapsed_ms=elapsed)


def answer_sync(index: KnowledgeIndex, model: BaseChatModel | None, question: str, lang: str | None = None) -> Answer:
    """`llm_answer` for synchronous callers (the CLI, the bench); no event loop when there is no model."""
    if model is None:
        return answer_question(index, question, lang)
    return asyncio.run(llm_answer(index, model, question, lang))
