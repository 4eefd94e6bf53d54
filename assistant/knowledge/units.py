"""Answer units: the sentences of a clause (long ones cut at semicolons), what an answer quotes."""
from __future__ import annotations

import re

from .chunking import HEADER_LABEL, Chunk

SENTENCE_END_RE = re.compile(r"(?<=[。！？!?])|\n")
SEMICOLON_RE = re.compile(r"(?<=[；;])")
LONG_SENTENCE_CHARS = 120  # a sentence longer than this is quoted by its semicolon-separated parts


def units(chunk: Chunk) -> list[str]:
    """The quotable units of a chunk, verbatim, in order: an outline is one unit; the header, its lines."""
    if chunk.outline:
        return [chunk.text.strip()]
    if chunk.clause == HEADER_LABEL:
        return [line.strip() for line in chunk.text.split("\n") if line.strip()]
    out: list[str] = []
    for sentence in (s.strip() for s in SENTENCE_END_RE.split(chunk.text)):
        if not sentence:
            continue
        if len(sentence) > LONG_SENTENCE_CHARS and SEMICOLON_RE.search(sentence[:-1]):
            out.extend(p.strip() for p in SEMICOLON_RE.split(sentence) if p.strip())
        else:
            out.append(sentence)
    return out


def unit_id(chunk: Chunk, n: int) -> str:
    return f"{chunk.chunk_id}~{n}"
