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

import numpy as np

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


def locate(chunks: list[Chunk], clause: str, evidence: str) -> tuple[Chunk, int] | None:
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
                found = locate(chunks, entry["clause"], entry["evidence"])
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


@dataclass(frozen=True)
class ChunkBank:
    """The bank questions of one chunk, as rows of the bank: those a unit answers (all, and by unit) and gaps."""

    answers: np.ndarray
    gaps: np.ndarray
    units: dict[int, np.ndarray]


NO_QUESTIONS = ChunkBank(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), {})


def by_chunk(bank: list[BankQuestion], row_of: dict[str, int]) -> dict[int, ChunkBank]:
    """Each chunk row's bank questions (`row_of`: chunk id → row)."""
    rows: dict[int, list[int]] = {}
    for n, b in enumerate(bank):
        if b.chunk_id in row_of:
            rows.setdefault(row_of[b.chunk_id], []).append(n)
    out = {}
    for row, ns in rows.items():
        answers = [n for n in ns if not bank[n].gap]
        units: dict[int, list[int]] = {}
        for n in answers:
            units.setdefault(bank[n].unit, []).append(n)
        out[row] = ChunkBank(np.array(answers, dtype=np.intp), np.array([n for n in ns if bank[n].gap], dtype=np.intp),
                             {u: np.array(us, dtype=np.intp) for u, us in units.items()})
    return out


def surface(text: str) -> frozenset[str]:
    """What two questions share when they share words: English words, or Chinese character pairs."""
    norm = normalize(text)
    words = {w for w in EN_WORD_RE.findall(norm) if len(w) > 2}
    han = [c for c in norm if "\u3400" <= c <= "\u9fff"]
    return frozenset(words | {a + b for a, b in zip(han, han[1:])})


class Surfaces:
    """The surfaces of many questions, with `overlaps(a)`: how much `a` shares with each of them (|a ∩ b| / |a ∪ b|),
    all at once through the questions holding each piece."""

    def __init__(self, surfaces: list[frozenset[str]]) -> None:
        self.items = surfaces
        self.sizes = np.array([len(b) for b in surfaces], dtype=np.float64)
        holders: dict[str, list[int]] = {}
        for n, b in enumerate(surfaces):
            for piece in b:
                holders.setdefault(piece, []).append(n)
        self.holders = {piece: np.array(ns, dtype=np.intp) for piece, ns in holders.items()}

    def __getitem__(self, n: int) -> frozenset[str]:
        return self.items[n]

    def overlaps(self, a: frozenset[str]) -> np.ndarray:
        shared = [self.holders[piece] for piece in a if piece in self.holders]
        if not shared:
            return np.zeros(len(self.items))
        common = np.bincount(np.concatenate(shared), minlength=len(self.items)).astype(np.float64)
        return common / (len(a) + self.sizes - common)
