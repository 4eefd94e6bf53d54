"""Planning an ingest: which documents changed, their chunks, terms and question bank (read, not yet written)."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from .bank import BankQuestion, load_bank
from .chunking import Chunk, chunk_document
from .ingest import OverLimit, SourceDocument, UnreadableDocument, check_size, discover, read_document, source_sha256, squash

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, the document it repeats)
    chunks: int = 0
    busy: bool = False  # another process was building, so this run did nothing


def content_key(doc: SourceDocument) -> str:
    """A document's identity: its text (whitespace ignored), wherever the file lies and whatever its format."""
    return hashlib.sha256(squash(doc.text).encode()).hexdigest()[:12]


def doc_key(row_id: str) -> str:
    """The document key of a chunk or unit id (`key#n`, `key#n~m`)."""
    return row_id.split("#")[0]


def plan(index, paths: list[Path], report: IngestReport, progress) -> tuple:
    """The documents, chunks, tokens and bank after reading what changed in these files, and the keys of the
    documents added, changed or removed. `index` is the KnowledgeIndex planned against (read, not changed)."""
    from .progress import meter_of

    meter = meter_of(progress)
    files = discover(paths)
    present = {str(f.resolve()) for f in files}
    docs = dict(index.docs)
    by_path = {info["path"]: key for key, info in docs.items()}
    new_chunks: list[Chunk] = []
    new_bank: list[BankQuestion] = []
    changed: set[str] = set()
    advance = meter("reading", len(files))
    for path in files:
        advance(1)
        resolved = str(path.resolve())
        known_key = by_path.get(resolved)
        try:
            check_size(path, index.settings.max_document_bytes)
            sha = source_sha256(path)
            if known_key and docs[known_key]["sha256"] == sha:
                report.unchanged.append(path.name)
                continue
            doc = read_document(path)
            key = content_key(doc)
            chunks = chunk_document(doc, index.settings.max_chunk_chars)
            if len(chunks) > index.settings.max_document_chunks:
                raise OverLimit("ingest.over_chunks", name=path.name, chunks=f"{len(chunks):,}",
                                limit=f"{index.settings.max_document_chunks:,}",
                                setting=Settings.env_name("max_document_chunks"))
        except UnreadableDocument as exc:
            log.warning("skipped %s", exc)
            report.skipped.append((path.name, str(exc)))
            continue
        same = docs.get(key)
        if same and same["path"] != resolved and (same["path"] in present or Path(same["path"]).exists()):
            name = same["meta"].get("doc_number") or Path(same["path"]).name
            log.warning("%s is already indexed as %s (%s)", path.name, name, same["path"])
            report.duplicates.append((path.name, f"{name} ({same['path']})"))
            continue
        if known_key and known_key != key:
            changed.add(known_key)
            del docs[known_key]
        if same and same["path"] == resolved and same.get("sha256") == sha:
            report.unchanged.append(path.name)
            continue
        for n, chunk in enumerate(chunks):
            chunk.chunk_id = f"{key}#{n}"
        (report.updated if known_key else report.added).append(path.name)
        changed.add(key)
        docs[key] = {"path": resolved, "sha256": sha, "meta": doc.meta}
        by_path[resolved] = key
        new_chunks.extend(chunks)
        new_bank.extend(load_bank(path, key, chunks))
    for root in (p for p in paths if p.is_dir()):
        prefix = str(root.resolve())
        for key, info in list(docs.items()):
            if info["path"].startswith(prefix) and info["path"] not in present:
                report.removed.append(Path(info["path"]).name)
                changed.add(key)
                del docs[key]
    if not changed:
        return docs, index.chunks, index.tokens, index.bank, changed
    kept = [(c, t) for c, t in zip(index.chunks, index.tokens) if doc_key(c.chunk_id) not in changed]
    advance = meter("tokenising", len(new_chunks))
    new_tokens = []
    for chunk in new_chunks:
        new_tokens.append(index.tokenizer.document_terms(chunk.index_text))
        advance(1)
    bank = [b for b in index.bank if b.doc_key not in changed] + new_bank
    return docs, [c for c, _ in kept] + new_chunks, [t for _, t in kept] + new_tokens, bank, changed
