"""Questions about a document's own structure: what a clause is called, which parts a heading holds, where a
matter sits, the document's full title, and the fields of its header (文号, issuers, date, addressees).

The headings state these facts, so they are answered from the chunk tree (each chunk's heading path), not
from sentences: any document the chunker finds headings in is answered the same way. What counts as such a
question is language data (`data/question.yaml`, `outline:`), never words of a particular document.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .chunking import HEADER_LABEL, MARKER_RE, PREAMBLE_LABEL, Chunk, is_item
from .evidence import LABEL_REF_RE, cn_number, referenced_labels
from .ingest import squash
from .question import alternation, analyse, answer_type, question_data
from .tokenize import normalize

HEADING_MATCH_CHARS = 4  # a heading is named by a run of its title at least this long (or by all of it)
ORDINAL_RE = re.compile(r"第\s*([一二三四五六七八九十\d]+)\s*(?:块|部分|个?方面|大块)"
                        r"|\b(first|second|third|fourth|fifth)\s+(?:part|section|block)\b", re.IGNORECASE)
PARTS_RE = re.compile(r"部分|块|方面|\b(?:parts|sections)\b", re.IGNORECASE)  # asked for the parts, not the items
TOP_PART_RE = re.compile(r"部分|\b(?:part|section)\b", re.IGNORECASE)  # an ordinal naming a top-level part by itself
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
# English names of a top-level part ("part three", "section II", "part 2") → its Chinese label (三, 二, 二)
PART_RE = re.compile(r"\b(?:part|section)\s+(\d{1,2}|[ivx]{1,4}|one|two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)
WORD_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


@dataclass(frozen=True)
class Patterns:
    title: re.Pattern
    document: re.Pattern
    frame: re.Pattern
    children: re.Pattern
    locate: re.Pattern
    item: re.Pattern


@lru_cache
def patterns() -> Patterns:
    return Patterns(**{k: alternation(v) for k, v in question_data()["outline"].items()})


@dataclass(frozen=True)
class HeaderAsks:
    document: re.Pattern
    other: re.Pattern
    strong: dict[str, re.Pattern]
    weak: dict[str, re.Pattern]


@lru_cache
def header_asks() -> HeaderAsks:
    data = question_data()["header"]
    return HeaderAsks(alternation(data["document"]), alternation(data["other"]),
                      {f: alternation(v["strong"]) for f, v in data["fields"].items()},
                      {f: alternation(v["weak"]) for f, v in data["fields"].items()})


SEGMENT_RE = re.compile(r"[，,。？?！!；;]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])|\band\b|\+", re.IGNORECASE)
OWNER_ZH_RE = re.compile(r"^的(?=[\u4e00-\u9fff])")
OWNER_EN_RE = re.compile(r"^\s+(?:of|for)\s+", re.IGNORECASE)


def names_another_document(norm: str) -> bool:
    """Whether the (normalised) question names another document than the one whose header it would be answered
    from (县里的配套文件, the forwarding notice): a header states its own document's facts only."""
    return bool(header_asks().other.search(norm))


def asked_fields(tokenizer, norm: str) -> list[str]:
    """The header fields (number, issuers, date, addressees) the question asks for: by a pattern asking for the
    field alone, or by one that does so only in a question naming the document. None when it asks something else
    as well — a part of it asking of other words (…现在还有效吗, who is the contact person), a field named as
    the owner of what is asked (发文机关的地址, the number of the rules the counties issue), or another document
    named (县里的配套文件的文号)."""
    asks = header_asks()
    if names_another_document(norm):
        return []
    named = bool(asks.document.search(norm))

    def matches(text: str) -> list[tuple[str, re.Match]]:
        return [(f, m) for f in asks.strong for m in (asks.strong[f].search(text),
                                                       asks.weak[f].search(text) if named else None) if m]

    found = matches(norm)
    for _, m in found:
        tail = norm[m.end():]
        if (OWNER_ZH_RE.match(tail) or OWNER_EN_RE.match(tail)) and not asks.document.search(tail):
            return []
    for part in SEGMENT_RE.split(norm) if found else []:
        if part and answer_type(part) and not matches(part):
            content = analyse(tokenizer, part)
            if content.words or content.unknown:
                return []
    return list(dict.fromkeys(f for f, _ in found))


DATE_LINE_RE = re.compile(r"^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
NUMBER_LINE_RE = re.compile(r"〔\s*(?:19|20)\d{2}\s*〕\s*\d+\s*号")


def header_lines(chunk: Chunk, lines: list[str]) -> dict[str, list[int]]:
    """Which lines of a header state each field, read from the form official documents give them: the first line
    names the issuers (发文机关标志), the 文号 line holds 〔year〕n号 (or the document's own number), the addressees'
    line ends with a colon, the date stands alone on its line."""
    number = chunk.meta.get("doc_number")
    found = {
        "issuers": [0] if lines else [],
        "number": [i for i, t in enumerate(lines) if (number and squash(number) in squash(t)) or NUMBER_LINE_RE.search(t)][:1],
        "addressees": [i for i, t in enumerate(lines) if t.rstrip().endswith(("：", ":"))][:1],
        "date": [i for i, t in enumerate(lines) if DATE_LINE_RE.match(t)][-1:],
    }
    return {f: rows for f, rows in found.items() if rows}


@dataclass(frozen=True)
class Structural:
    """A structural answer: the chunk cited, what is quoted (headings, as printed), and whether the answer
    depends on ranking (where a matter sits) rather than only on the headings."""

    row: int
    quote: str
    ranked: bool = False
    whole: bool = False  # the document as a whole (its parts), not the chunk at `row` (its first part)


def structural(index, question: str, ranked_rows: list[int],
               rank_rows: Callable[[str], list[int]]) -> Structural | None:
    """The structural answer to the question, or None when it does not ask about the document's structure.
    `ranked_rows`: the chunk rows the answer engine ranked for the question, best first; `rank_rows(text)`
    ranks for another text (where a matter sits is ranked on the question without the heading it names)."""
    norm = normalize(question)
    p = patterns()
    fields = asked_fields(index.tokenizer, norm) if not referenced_labels(question) else []
    if not fields and not any(ask.search(norm) for ask in (p.document, p.children, p.locate, p.title)):
        return None
    heads = [i for i, c in enumerate(index.chunks) if c.part == 0]
    if fields:
        answer = _header_fields(index, heads, ranked_rows, fields, bool(p.document.search(norm)))
        if answer is not None:
            return answer
    if p.document.search(norm) and not referenced_labels(question):
        return _document_title(index, heads, ranked_rows)
    if p.children.search(norm):
        target = _named(index, heads, norm, question, ranked_rows)
        kids = _children(index, heads, target) if target is not None else []
        rest = _rest(index, heads, norm, target, p) if kids and all(_children(index, heads, k) for k in kids) else ""
        if _content(index, rest):
            # a part of parts, asked about one matter in it ("主要措施里讲X的是哪几条"): the part holding the matter
            under = index.chunks[target].path
            matter = next((r for r in rank_rows(rest) if index.chunks[r].path[: len(under)] == under
                           and len(index.chunks[r].path) > len(under)), None)
            if matter is not None:
                target = next(k for k in kids if index.chunks[matter].path[: len(under) + 1] == index.chunks[k].path)
                kids = _children(index, heads, target)
        if kids:
            lines = [index.chunks[target].path[-1], *(index.chunks[k].path[-1] for k in kids)]
            return Structural(target, "\n".join(lines))
        if target is not None and not is_item(index.chunks[target].clause):  # a part with no items: what it says
            head = index.chunks[target]
            pieces = [c.text for c in index.chunks if c.doc == head.doc and c.clause == head.clause]
            return Structural(target, "\n".join([head.path[-1], *pieces]))
        parts = _parts(index, heads, ranked_rows) if target is None else []
        if (parts and header_asks().document.search(norm) and PARTS_RE.search(norm)
                and not _content(index, _asking_only(index, heads, norm, index.chunks[parts[0]].doc, p))):
            # 文件一共几部分, 垃圾分类的通知分为哪几部分: the document's parts
            return Structural(parts[0], "\n".join(index.chunks[k].path[-1] for k in parts), whole=True)
    if p.locate.search(norm):
        return _locate(index, heads, norm, ranked_rows, rank_rows, p)
    if p.title.search(norm):
        labelled = _labelled(index, heads, question, ranked_rows)
        if labelled is not None and _only_frame(norm, p):
            return Structural(labelled, index.chunks[labelled].path[-1])
    return None


def _document_title(index, heads: list[int], ranked_rows: list[int]) -> Structural | None:
    header = _header(index, heads, ranked_rows)
    title = index.chunks[header].meta.get("title") if header is not None else None
    return Structural(header, title) if title else None


def _header_fields(index, heads: list[int], ranked_rows: list[int], fields: list[str],
                   title: bool) -> Structural | None:
    """The lines of the front matter stating the asked fields (and the title, when asked too), in their order; None
    when it does not state every one of them. The front matter is the header and, where the addressees' line
    opens the preamble instead, that line."""
    header = _header(index, heads, ranked_rows)
    if header is None:
        return None
    lines = list(index.units[header])
    preamble = next((i for i in heads if index.chunks[i].doc == index.chunks[header].doc
                     and index.chunks[i].clause == PREAMBLE_LABEL), None)
    if preamble is not None and index.units[preamble]:
        lines.append(index.units[preamble][0])
    where = header_lines(index.chunks[header], lines)
    if not all(f in where for f in fields):
        return None
    rows = sorted({i for f in fields for i in where[f]})
    quote = "\n".join(lines[i] for i in rows)
    if title and index.chunks[header].meta.get("title"):
        quote += "\n" + index.chunks[header].meta["title"]
    return Structural(header, quote)


def _header(index, heads: list[int], ranked_rows: list[int]) -> int | None:
    """The header of the best-ranked document."""
    return _header_of(index, heads, index.chunks[ranked_rows[0]].doc if ranked_rows else index.chunks[heads[0]].doc)


def _header_of(index, heads: list[int], doc: str) -> int | None:
    return next((i for i in heads if index.chunks[i].doc == doc and index.chunks[i].clause == HEADER_LABEL), None)


def _only_frame(norm: str, p: Patterns) -> bool:
    """Whether the question holds nothing but a clause label, a title word and framing words."""
    rest = LABEL_REF_RE.sub(" ", norm)
    rest = p.title.sub(" ", rest)
    rest = p.frame.sub(" ", rest)
    return not re.search(r"[\w\u4e00-\u9fff]", rest)


def _labelled(index, heads: list[int], question: str, ranked_rows: list[int]) -> int | None:
    """The heading the question names by its label (in the best-ranked document when several have it)."""
    labels = referenced_labels(question) | {"一二三四五六七八九十"[n - 1] for n in _part_numbers(question) if 0 < n <= 10}
    named = [i for i in heads if index.chunks[i].clause in labels]
    if not named:
        return None
    order = {row: n for n, row in enumerate(ranked_rows)}
    docs = [index.chunks[r].doc for r in ranked_rows]
    return min(named, key=lambda i: (docs.index(index.chunks[i].doc) if index.chunks[i].doc in docs else len(docs),
                                     order.get(i, len(order))))


def _part_numbers(question: str) -> list[int]:
    out = []
    for m in PART_RE.finditer(question):
        word = m.group(1).lower()
        out.append(int(word) if word.isdigit() else WORD_NUMBERS.get(word) or ROMAN.get(word, 0))
    return out


def _named(index, heads: list[int], norm: str, question: str, ranked_rows: list[int]) -> int | None:
    """The heading the question names: by label, by ordinal within a named heading, or by words of its title."""
    labelled = _labelled(index, heads, question, ranked_rows)
    if labelled is not None:
        return labelled
    container = _by_title(index, heads, norm)
    # 主要措施第三块: the third under the heading named; 第二部分 alone: the document's second part; 第二部分第一块:
    # the first under that. 第二块 alone could be either level: not guessed.
    for ordinal in ORDINAL_RE.finditer(norm):
        if container is None and not TOP_PART_RE.search(ordinal.group(0)):
            return None
        word = (ordinal.group(1) or ordinal.group(2)).lower()
        n = int(word) if word.isdigit() else ORDINALS.get(word) or cn_number(word)
        kids = _children(index, heads, container) if container is not None else _parts(index, heads, ranked_rows)
        if not 0 < n <= len(kids):
            return None
        container = kids[n - 1]
    return container


def _parts(index, heads: list[int], ranked_rows: list[int]) -> list[int]:
    """The top-level parts (一、二、三 …) of the best-ranked document: its headings under no other, other than its
    header and preamble."""
    doc = index.chunks[ranked_rows[0]].doc if ranked_rows else index.chunks[heads[0]].doc
    return [i for i in heads if index.chunks[i].doc == doc and len(index.chunks[i].path) == 1
            and index.chunks[i].clause not in (HEADER_LABEL, PREAMBLE_LABEL)]


def _by_title(index, heads: list[int], norm: str) -> int | None:
    """The heading with the longest run of its title in the question (the higher heading on a tie)."""
    q = squash(norm)
    best, best_len = None, 0
    for i in heads:
        chunk: Chunk = index.chunks[i]
        title = squash(normalize(MARKER_RE.sub("", chunk.path[-1])))
        if not title or chunk.clause == HEADER_LABEL:
            continue
        run = _common_run(title, q)
        if run >= min(HEADING_MATCH_CHARS, len(title)) and (run > best_len or (
                run == best_len and best is not None and len(chunk.path) < len(index.chunks[best].path))):
            best, best_len = i, run
    return best


def _common_run(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def _rest(index, heads: list[int], norm: str, heading: int, p: Patterns) -> str:
    """The question without the heading it names, the document's title and the asking: the matter it is about."""
    title = normalize(MARKER_RE.sub("", index.chunks[heading].path[-1]))
    rest = ORDINAL_RE.sub(" ", PART_RE.sub(" ", LABEL_REF_RE.sub(" ", norm)))
    rest = p.frame.sub(" ", p.children.sub(" ", p.locate.sub(" ", rest)))
    return _without_runs(_without_runs(rest, title), _doc_title(index, heads, index.chunks[heading].doc))


def _asking_only(index, heads: list[int], norm: str, doc: str, p: Patterns) -> str:
    """The question without the document's name and title, the asking and the framing."""
    rest = p.frame.sub(" ", p.children.sub(" ", header_asks().document.sub(" ", norm)))
    return _without_runs(rest, _doc_title(index, heads, doc))


def _doc_title(index, heads: list[int], doc: str) -> str:
    """What names a document: its title and the rest of its header (issuers, 文号)."""
    header = _header_of(index, heads, doc)
    if header is None:
        return ""
    chunk = index.chunks[header]
    return normalize(" ".join(filter(None, [chunk.meta.get("title"), chunk.text])))


def _without_runs(text: str, title: str) -> str:
    """The text without any run of the title at least HEADING_MATCH_CHARS long (each the longest from its start)."""
    out, i = [], 0
    while i < len(text):
        end = i + HEADING_MATCH_CHARS
        if end <= len(text) and text[i:end] in title:
            while end < len(text) and text[i : end + 1] in title:
                end += 1
            out.append(" ")
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _content(index, text: str) -> bool:
    """Whether the text holds a word the documents use (not only framing)."""
    return any(index.doc_freq(w) for w in analyse(index.tokenizer, text).words)


def _children(index, heads: list[int], target: int) -> list[int]:
    parent = index.chunks[target]
    return [i for i in heads if index.chunks[i].doc == parent.doc and index.chunks[i].path[:-1] == parent.path]


def _locate(index, heads: list[int], norm: str, ranked_rows: list[int], rank_rows: Callable[[str], list[int]],
            p: Patterns) -> Structural | None:
    """Where the best-ranked matter sits: the clause itself (when an item is asked for) or the part holding it
    (the one right under the heading the question names, else its own parent)."""
    container = _by_title(index, heads, norm)
    if container is not None:
        under = index.chunks[container].path
        ranked_rows = [r for r in rank_rows(_rest(index, heads, norm, container, p))
                       if index.chunks[r].path[: len(under)] == under] or ranked_rows
    matter = next((r for r in ranked_rows if not index.chunks[r].outline and r != container
                   and index.chunks[r].part == 0 and len(index.chunks[r].path) > 1), None)
    if matter is None:
        return None
    path = index.chunks[matter].path
    if container is not None and index.chunks[container].path == path[: len(index.chunks[container].path)]:
        depth = len(index.chunks[container].path) + 1
    else:
        depth = len(path) - 1
    if p.item.search(norm) or depth >= len(path):
        return Structural(matter, " > ".join(path), ranked=True)
    holder = next((i for i in heads if index.chunks[i].doc == index.chunks[matter].doc
                   and index.chunks[i].path == path[:depth]), None)
    if holder is None:
        return None
    return Structural(holder, " > ".join(path[:depth]) + "\n" + path[-1], ranked=True)
