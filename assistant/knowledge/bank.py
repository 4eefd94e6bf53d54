"""The question bank beside a document: ways people ask for each fact it states, and for what it leaves out.

`<document stem>.questions.jsonl`, one entry per line:
- a fact:  {"clause": "5", "evidence": "verbatim phrase of the sentence", "asks": "date", "q": ["…", "…"]}
- a gap:   {"near": "8", "entity": "负面行为评价", "asks": "frequency", "q": ["…"]} — the document speaks of the
  entity in that clause but does not state this.
Written and reviewed by people; `assistant ingest` reports entries whose clause or evidence is not found.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .chunking import Chunk
from .ingest import sidecar, squash
from .tokenize import normalize
from .units import units

log = logging.getLogger(__name__)
EN_WORD_RE = re.compile(r"[a-z]+")
BANK_SUFFIX = ".questions.jsonl"


@dataclass
class BankQuestion:
    """One way of asking, tied to the unit that answers it (or, for a gap, to the clause it is near)."""

    bank_id: str
    doc_key: str
    chunk_id: str
    unit: int  # index into units(chunk); -1 for a gap
    clause: str
    text: str
    asks: str
    gap: bool = False


def _locate(chunks: list[Chunk], clause: str, evidence: str) -> tuple[Chunk, int] | None:
    wanted = squash(evidence)
    for chunk in (c for c in chunks if c.clause == clause):
        for n, unit in enumerate(units(chunk)):
            if wanted in squash(unit):
                return chunk, n
        if wanted in squash(chunk.text):  # evidence across two units: the one holding its start
            for n, unit in enumerate(units(chunk)):
                if wanted[:6] in squash(unit):
                    return chunk, n
        if wanted in squash(chunk.index_text):  # the clause's heading: its first unit
            return chunk, 0
    return None


def load_bank(path: Path, doc_key: str, chunks: list[Chunk]) -> list[BankQuestion]:
    """The bank entries of a document, resolved against its chunks; bad entries are logged and skipped."""
    file = sidecar(path, BANK_SUFFIX)
    if not file.exists():
        return []
    out: list[BankQuestion] = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            questions = [q for q in entry["q"] if q.strip()]
            if "evidence" in entry:
                found = _locate(chunks, entry["clause"], entry["evidence"])
                if found is None:
                    raise ValueError(f"evidence not found in clause {entry['clause']}: {entry['evidence']}")
                chunk, unit, gap, clause = found[0], found[1], False, entry["clause"]
            else:
                chunk = next((c for c in chunks if c.clause == entry["near"]), None)
                if chunk is None:
                    raise ValueError(f"no clause {entry['near']}")
                unit, gap, clause = -1, True, entry["near"]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s line %d skipped: %s", file.name, n, exc)
            continue
        for q in questions:
            out.append(BankQuestion(f"{doc_key}?{len(out)}", doc_key, chunk.chunk_id, unit, clause, q,
                                    entry.get("asks", ""), gap))
    return out


def surface(text: str) -> frozenset[str]:
    """What two questions share when they share words: English words, or Chinese character pairs."""
    norm = normalize(text)
    words = {w for w in EN_WORD_RE.findall(norm) if len(w) > 2}
    han = [c for c in norm if "\u3400" <= c <= "\u9fff"]
    return frozenset(words | {a + b for a, b in zip(han, han[1:])})


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
