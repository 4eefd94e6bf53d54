"""An optional one-paragraph narrative for the top of a digest, under the same kind of check: every number
in the paragraph must appear in the digest's facts, or there is no narrative (the caller shows none).
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from .numerals import canonical, normalise, numbers
from .provider import call, rejected

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

DEFAULT_TIMEOUT = 8.0
MAX_CHARS = 400
LANGUAGES = {"zh": "简体中文", "en": "English"}
MESSAGES = [
    ("system", ("Write one short paragraph (at most three sentences) in {language} for a community coordinator, "
                "summarising the digest facts below. Use only numbers that appear in the facts, written the same "
                "way; do not add, subtract or compute percentages. No headings, no lists.")),
    ("human", "{facts}"),
]


def fact_numbers(facts) -> set[str]:
    """Every number the facts hold (in values, not keys), with the usual ways of writing a rate: 0.853 may be
    said as 0.85, 85.3% or 85%."""
    found: set[str] = set()
    if isinstance(facts, dict):
        for value in facts.values():
            found |= fact_numbers(value)
    elif isinstance(facts, (list, tuple, set)):
        for value in facts:
            found |= fact_numbers(value)
    elif isinstance(facts, bool) or facts is None:
        pass
    elif isinstance(facts, (int, float)):
        found |= {canonical(f"{facts:.2f}"), canonical(f"{facts:.1f}"), canonical(f"{facts:.0f}")}
        if isinstance(facts, float) and 0 <= facts <= 1:
            found |= {canonical(f"{facts * 100:.1f}") + "%", canonical(f"{facts * 100:.0f}") + "%"}
    else:
        found |= numbers(normalise(str(facts)))
    return found


def validate_narrative(text: str, facts: dict) -> str | None:
    """The reason a paragraph is refused, or None when every number in it is one of the facts'."""
    text = " ".join((text or "").split())
    if not text:
        return "empty narrative"
    if len(text) > MAX_CHARS:
        return f"narrative too long ({len(text)} > {MAX_CHARS} characters)"
    known = fact_numbers(facts)
    known |= {n + "%" for n in known if not n.endswith("%")}  # a share given as 85 may be said as 85%
    missing = sorted(n for n in numbers(normalise(text)) if n not in known)
    return f"number not in the digest's facts: {missing[0]}" if missing else None


def _chain(model: BaseChatModel):
    # langchain's prompt and parser modules load only when a model is configured (see llm/intent.py)
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages(MESSAGES) | model | StrOutputParser()


def _inputs(facts: dict, lang: str) -> dict:
    return {"facts": json.dumps(facts, ensure_ascii=False, default=str),
            "language": LANGUAGES.get("en" if (lang or "").startswith("en") else "zh")}


def _checked(text: str, facts: dict) -> str | None:
    reason = validate_narrative(text, facts)
    if reason:
        rejected("narrative", f"{reason} | {text[:200]!r}")
        return None
    return " ".join(text.split())


async def anarrate_digest(model: BaseChatModel | None, facts: dict, lang: str,
                          timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The narrative paragraph, or None (no model, timeout, error, or a number the facts do not hold)."""
    if model is None or not facts:
        return None
    outcome = await call("narrative", _chain(model).ainvoke(_inputs(facts, lang)), timeout)
    return _checked(outcome.value, facts) if outcome.ok else None


def narrate_digest(model: BaseChatModel | None, facts: dict, lang: str,
                   timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """`anarrate_digest` for synchronous callers (CLI, jobs run in threads); safe inside a running loop."""
    if model is None or not facts:
        return None
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(anarrate_digest(model, facts, lang, timeout))
    pool = ThreadPoolExecutor(max_workers=1)  # called from async code: run the call on a thread of its own
    try:
        return pool.submit(asyncio.run, anarrate_digest(model, facts, lang, timeout)).result(timeout + 1)
    except FutureTimeout:
        rejected("narrative", f"timeout after {timeout:g} s")
        return None
    finally:
        pool.shutdown(wait=False)


def narrator(model: BaseChatModel | None, timeout: float):
    """The digest's narrator, `narrate(facts, lang)`, for the configured model; None without one."""
    if model is None:
        return None
    return lambda facts, lang: narrate_digest(model, facts, lang, timeout)
