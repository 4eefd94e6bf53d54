"""The grounding validator: an LLM answer may state only what the clauses it cites say.

Every citation ([3] or 【3】) must name a retrieved clause; every clause label in the prose (第3条, 3., （一）,
二、, clause 3) must belong to a cited clause or its headings; every number, date and quoted phrase must
appear in the cited clauses (compared normalised: 三 ↔ 3, 百分之五十 ↔ 50%). The first failure is the reason.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from langchain_core.documents import Document

from .numerals import (
    CITATION_RE,
    CJK,
    CN_CHARS,
    cn_to_int,
    date_supported,
    dates,
    normalise,
    numbers,
    quotes,
    squash,
)

N = rf"[\d{CN_CHARS}]+"
LABEL_PATTERNS = (  # (kind, pattern with the numeral as group 1), on NFKC text
    ("item", re.compile(rf"第\s*({N})\s*[条款项]")),
    ("section", re.compile(rf"第\s*({N})\s*(?:章|节|部分)")),
    ("sub", re.compile(rf"\(\s*([{CN_CHARS}]+|\d{{1,2}})\s*\)")),
    ("section", re.compile(rf"(?<![{CN_CHARS}])([{CN_CHARS}]+)、")),
    ("item", re.compile(rf"(?:(?<=[)、])|(?<![\d.~\-]))(\d{{1,2}})\.(?!\d)(?=\s*[{CJK}])|(?<=[)、])(\d{{1,2}})\.(?!\d)")),
    ("item", re.compile(r"\b(?:clause|item|article|point)\s+(\d{1,2})\b", re.IGNORECASE)),
    ("section", re.compile(r"\bsection\s+(\d{1,2})\b", re.IGNORECASE)),
)
KIND_ORDER = {"item": 0, "sub": 1, "section": 2}  # most specific first


@dataclass(frozen=True)
class Verdict:
    """The validator's answer: accepted, or the reason it was not; `cited` indexes the cited documents."""

    ok: bool
    reason: str | None = None
    cited: tuple[int, ...] = ()


def labels(text: str) -> list[tuple[str, int]]:
    """(kind, number) of every clause label in the text, in order of appearance."""
    text = unicodedata.normalize("NFKC", text or "")
    found = []
    for kind, pattern in LABEL_PATTERNS:
        for m in pattern.finditer(text):
            raw = next(g for g in m.groups() if g)
            value = cn_to_int(raw)
            if value is not None:
                found.append((m.start(), kind, value))
    return [(kind, value) for _, kind, value in sorted(found)]


def strip_labels(text: str) -> str:
    """The text with its clause labels blanked out (so "3." is not read as the number 3)."""
    text = unicodedata.normalize("NFKC", text or "")
    for _, pattern in LABEL_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def _own_label(doc: Document) -> tuple[str, int] | None:
    found = labels(doc.metadata.get("path", "").split(" > ")[-1])
    return min(found, key=lambda label: KIND_ORDER[label[0]]) if found else None


def _resolve(marker: str, docs: list[Document]) -> list[int]:
    """Indexes of the retrieved documents a citation marker names (by label, cite or heading)."""
    key = squash(marker).strip(".、")
    direct = [i for i, d in enumerate(docs) if key and key in {
        squash(d.metadata.get("clause", "")), squash(d.metadata.get("cite", "")).strip(".、"),
        squash(d.metadata.get("path", "").split(" > ")[-1]).strip(".、")}]
    if direct:
        return direct
    named = labels(marker)
    if not named and (value := cn_to_int(key)) is not None:
        named = [("item", value)]
    if not named:
        return []
    target = min(named, key=lambda label: KIND_ORDER[label[0]])
    context = set(named) - {target}
    return [i for i, d in enumerate(docs)
            if _own_label(d) == target and context <= set(labels(d.metadata.get("path", "")))]


def citations(text: str, docs: list[Document]) -> tuple[list[int], str | None]:
    """(cited document indexes in order of first citation, the first marker that names no retrieved clause)."""
    cited: list[int] = []
    for m in CITATION_RE.finditer(text):
        marker = m.group(1) or m.group(2)
        found = _resolve(marker, docs)
        if not found:
            return cited, marker
        cited += [i for i in found if i not in cited]
    return cited, None


def evidence(docs: list[Document]) -> str:
    """The text an answer may draw on: clause bodies, their headings and document names, labels blanked."""
    return "\n".join(strip_labels(f"{d.metadata.get('doc', '')}\n{d.metadata.get('path', '')}\n{d.page_content}")
                     for d in docs)


def check_claims(text: str, source: str) -> str | None:
    """The first number, date or quoted phrase of `text` that `source` does not support, as a reason."""
    for phrase in quotes(text):
        if squash(phrase) not in squash(source):
            return f"quoted phrase not in the cited clauses: “{phrase}”"
    said, known = normalise(strip_labels(text)), normalise(source)
    missing = sorted(numbers(said) - numbers(known))
    if missing:
        return f"number not in the cited clauses: {missing[0]}"
    known_dates = dates(known)
    for date in sorted(dates(said), key=str):
        if not date_supported(date, known_dates):
            return f"date not in the cited clauses: {date}"
    return None


def validate_answer(text: str, docs: list[Document], max_chars: int) -> Verdict:
    """Accept an LLM answer only when everything it states is in the retrieved clauses it cites."""
    text = (text or "").strip()
    if not text:
        return Verdict(False, "empty answer")
    if len(text) > max_chars:
        return Verdict(False, f"answer too long ({len(text)} > {max_chars} characters)")
    cited, unknown = citations(text, docs)
    if unknown is not None:
        return Verdict(False, f"cites a clause that was not retrieved: [{unknown}]")
    if not cited:
        return Verdict(False, "no citation of a retrieved clause")
    prose = CITATION_RE.sub(" ", text)
    allowed = {label for i in cited for label in labels(docs[i].metadata.get("path", ""))}
    for label in labels(prose):
        if label not in allowed:
            return Verdict(False, f"clause label {label[1]} ({label[0]}) is not a cited clause", tuple(cited))
    reason = check_claims(prose, evidence([docs[i] for i in cited]))
    return Verdict(reason is None, reason, tuple(cited))
