"""Clause-aware chunking: one chunk per clause, carrying its label and heading path."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .ingest import SourceDocument, _ends_sentence

CN_NUM = "一二三四五六七八九十百零"
SECTION_RE = re.compile(rf"^([{CN_NUM}]+)、\s*(.*)$")
SUBSECTION_RE = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*(.*)$")
ITEM_RE = re.compile(r"^(\d{1,3})\s*[.．、](?!\d)\s*(.*)$")
ARTICLE_RE = re.compile(rf"^(第[{CN_NUM}\d]+条)\s*(.*)$")
CHAPTER_RE = re.compile(rf"^(第[{CN_NUM}\d]+[章节])\s*(.*)$")
MD_HEADING_RE = re.compile(r"^#{1,6}\s+(.*)$")
MARKER_RE = re.compile(rf"^(?:[{CN_NUM}]+、|（[{CN_NUM}]+）|\d{{1,3}}\.|第[{CN_NUM}\d]+[章节条])\s*")
SENTENCE_RE = re.compile(r"(?<=[。！？；!?;])")
HEADER_LABEL = "文头"
PREAMBLE_LABEL = "引言"
TITLE_MAX_CHARS = 40


@dataclass
class Chunk:
    """One clause (or one sentence-aligned part of a long clause)."""

    chunk_id: str
    doc: str  # short document name: 文号 or title
    source: str
    clause: str  # label as printed without punctuation: "3", "一", "（一）", "第三条", "文头"
    path: list[str]  # heading path, outermost first
    cite: str  # compact citation: "二、（一）3. 建立小区（网格）党支部"
    text: str  # the clause text, verbatim after page-break repair
    part: int = 0
    outline: bool = False  # a heading's outline (its parts' headings), not text of its own
    meta: dict = field(default_factory=dict)

    @property
    def path_str(self) -> str:
        return " > ".join(self.path)

    @property
    def index_text(self) -> str:
        """What retrieval sees: the heading titles (the clause's own twice, with its body) plus the body."""
        titles = " ".join(MARKER_RE.sub("", heading) for heading in self.path)
        return f"{titles} {self.text}".strip()

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Clause:
    label: str
    marker: str  # as printed: "3.", "二、", "（一）"
    heading: str  # path element for this clause
    title: str
    paragraphs: list[str] = field(default_factory=list)


def _item_title(body: str) -> str:
    first = body.split("。", 1)[0]
    return first if "。" in body and len(first) <= TITLE_MAX_CHARS else ""


def _classify(par: str) -> tuple[str, str, str, str] | None:
    """(level, label, marker, rest) for a heading/item paragraph, None for body text."""
    short = len(par) <= 60 and "。" not in par
    if m := SECTION_RE.match(par):
        if short:
            return "section", m.group(1), f"{m.group(1)}、", m.group(2)
    if m := SUBSECTION_RE.match(par):
        if short:
            return "subsection", f"（{m.group(1)}）", f"（{m.group(1)}）", m.group(2)
    if m := CHAPTER_RE.match(par):
        if short:
            return "section", m.group(1), m.group(1), m.group(2)
    if m := MD_HEADING_RE.match(par):
        return "section", m.group(1).strip(), "", m.group(1).strip()
    if m := ITEM_RE.match(par):
        return "item", m.group(1), f"{m.group(1)}.", m.group(2)
    if m := ARTICLE_RE.match(par):
        return "item", m.group(1), m.group(1), m.group(2)
    return None


def is_item(label: str) -> bool:
    """Whether a clause label names an item (3, 第三条), not a part holding items (二, （一）, 第一章)."""
    return label.isdigit() or bool(ARTICLE_RE.match(label))


def _split_front_matter(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Header block (文号, issuers, date, title) and the preamble that follows the last title line."""
    last_title = -1
    for i, par in enumerate(paragraphs):
        if len(par) <= 60 and not _ends_sentence(par):
            last_title = i
    return paragraphs[: last_title + 1], paragraphs[last_title + 1 :]


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_RE.split(text) if s.strip()]


def _split_long(text: str, limit: int) -> list[str]:
    """Split a clause at sentence ends into parts of at most `limit` characters (a longer sentence stays whole)."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        if current and len(current) + len(sentence) > limit:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return parts


def chunk_document(doc: SourceDocument, max_chars: int = 600) -> list[Chunk]:
    """Chunk one document by its own structure: header, preamble, sections, subsections, items."""
    paragraphs = doc.text.split("\n\n")
    front: list[str] = []
    clauses: list[tuple[list[_Clause], _Clause]] = []  # (ancestors, clause)
    section: _Clause | None = None
    subsection: _Clause | None = None
    current: _Clause | None = None
    ancestors: list[_Clause] = []
    for par in paragraphs:
        kind = _classify(par)
        if kind is None:
            if current is None:
                front.append(par)
            else:
                current.paragraphs.append(par)
            continue
        level, label, marker, rest = kind
        if level == "section":
            section = _Clause(label, marker, f"{marker}{rest}", rest)
            subsection, current, ancestors = None, section, []
        elif level == "subsection":
            subsection = _Clause(label, marker, f"{marker}{rest}", rest)
            current, ancestors = subsection, [c for c in (section,) if c]
        else:
            title = _item_title(rest)
            current = _Clause(label, marker, f"{marker} {title}".strip() if title else marker, title, [rest])
            ancestors = [c for c in (section, subsection) if c]
        clauses.append((ancestors, current))

    doc_name = doc.doc_id
    source = doc.meta.get("source", doc.path.name)
    chunks: list[Chunk] = []

    def emit(label: str, path: list[str], cite: str, text: str, outline: bool = False) -> None:
        for part, piece in enumerate([text] if outline else _split_long(text, max_chars)):
            chunks.append(
                Chunk(
                    chunk_id=f"{source}#{len(chunks)}",
                    doc=doc_name,
                    source=source,
                    clause=label,
                    path=path,
                    cite=cite,
                    text=piece,
                    part=part,
                    outline=outline,
                    meta={k: v for k, v in doc.meta.items() if k in ("title", "doc_number", "date")},
                )
            )

    header, preamble = _split_front_matter(front)
    if header:
        emit(HEADER_LABEL, [HEADER_LABEL], HEADER_LABEL, "\n".join(header))
    if preamble:
        emit(PREAMBLE_LABEL, [PREAMBLE_LABEL], PREAMBLE_LABEL, "\n".join(preamble))
    for ancestors, clause in clauses:
        path = [a.heading for a in ancestors] + [clause.heading]
        cite = "".join(a.marker for a in ancestors) + clause.heading
        if clause.paragraphs:
            emit(clause.label, path, cite, "\n".join(clause.paragraphs))
            continue
        # A heading with no body of its own (二、主要措施): its outline — the heading and its parts' headings —
        # answers "what does this part cover".
        children = [c.heading for anc, c in clauses if anc and anc[-1] is clause]
        if children:
            emit(clause.label, path, cite, "\n".join([clause.heading, *children]), outline=True)
    return chunks
