"""The knowledge index: clause chunks, BM25 over jieba terms, dense vectors in Chroma."""
from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ..config import Settings

from .bank import BankQuestion, load_bank, surface
from .chunking import Chunk, chunk_document
from .embeddings import E5Embeddings, embed_queries
from .ingest import SourceDocument, UnreadableDocument, discover, read_document, source_sha256, squash
from .tokenize import Tokenizer, get_tokenizer, normalize
from .typos import Homophones
from .store import VectorStore
from .units import unit_id, units
from .vector_cache import VectorCache

log = logging.getLogger(__name__)
STATE_FILE = "chunks.json"
# Bump when chunking or the text given to retrieval changes: stored chunks and vectors are then rebuilt.
INDEX_FORMAT = 3
EMBED_BATCH = 32
BANK_PER_UNIT = 3  # a document with this many bank questions per answer unit counts as fully covered


class BM25:
    """Okapi BM25 over pre-tokenised chunks (inverted index, no third-party dependency)."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = [len(d) for d in docs]
        self.avg_len = (sum(self.lengths) / self.n) if self.n else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings[term].append((i, tf))

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, terms: list[str]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term in dict.fromkeys(terms):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = self.idf(term)
            for i, tf in postings:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg_len)
                out[i] += idf * tf * (self.k1 + 1) / norm
        return out


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


def content_key(doc: SourceDocument) -> str:
    """A document's identity: its text (whitespace ignored), wherever the file lies and whatever its format."""
    return hashlib.sha256(squash(doc.text).encode()).hexdigest()[:12]


class KnowledgeIndex:
    """Chunks, their answer units and question bank, their BM25 terms and vectors, in step with the documents."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None,
                 tokenizer: Tokenizer | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or E5Embeddings(settings.embedding_threads)
        self.tokenizer = tokenizer or get_tokenizer()
        self.store = VectorStore(settings)
        self.unit_store = VectorStore(settings, "_units", self.store.client)
        self.bank_store = VectorStore(settings, "_questions", self.store.client)
        self.docs: dict[str, dict] = {}
        self.chunks: list[Chunk] = []
        self.tokens: list[list[str]] = []
        self.bank: list[BankQuestion] = []
        self._load_state()
        self._rebuild_lookup()

    # ---- state on disk -------------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        return self.settings.index_dir / STATE_FILE

    @property
    def _embedding_name(self) -> str:
        return getattr(self.embeddings, "model_name", type(self.embeddings).__name__)

    @property
    def _stores(self) -> tuple[VectorStore, ...]:
        return self.store, self.unit_store, self.bank_store

    def _load_state(self) -> None:
        state = json.loads(self._state_path.read_text(encoding="utf-8")) if self._state_path.exists() else {}
        if state.get("embedding") != self._embedding_name or state.get("format") != INDEX_FORMAT:
            if state:
                log.info("embedding model or index format changed: rebuilding the index")
            for store in self._stores:
                if store.count():
                    store.reset()
            return
        self.docs = state["docs"]
        self.chunks = [Chunk(**c) for c in state["chunks"]]
        self.bank = [BankQuestion(**b) for b in state.get("bank", [])]
        if state.get("tokenizer") == self.tokenizer.fingerprint:
            self.tokens = state["tokens"]
        else:
            self.tokens = [self.tokenizer.terms(c.index_text) for c in self.chunks]
        expected = (len(self.chunks), sum(len(units(c)) for c in self.chunks), len(self.bank))
        if tuple(s.count() for s in self._stores) != expected:
            log.info("vector store out of step with %d chunks: re-embedding", len(self.chunks))
            for store in self._stores:
                store.reset()
            self._embed_and_store(self.chunks, self.bank)

    def _save_state(self) -> None:
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "format": INDEX_FORMAT,
            "embedding": self._embedding_name,
            "tokenizer": self.tokenizer.fingerprint,
            "docs": self.docs,
            "chunks": [c.to_dict() for c in self.chunks],
            "tokens": self.tokens,
            "bank": [asdict(b) for b in self.bank],
        }
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self._state_path)

    def _rebuild_lookup(self) -> None:
        self.by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25(self.tokens)
        self.units = [units(c) for c in self.chunks]
        self.unit_ids = [unit_id(c, n) for c, us in zip(self.chunks, self.units) for n in range(len(us))]
        self.unit_row = {uid: i for i, uid in enumerate(self.unit_ids)}
        self.unit_vectors = self.unit_store.matrix(self.unit_ids) if self.unit_ids else np.zeros((0, 0), np.float32)
        self.bank_vectors = (self.bank_store.matrix([b.bank_id for b in self.bank]) if self.bank
                             else np.zeros((0, 0), np.float32))
        self.bank_by_chunk: dict[int, list[int]] = defaultdict(list)
        for n, b in enumerate(self.bank):
            if b.chunk_id in self.by_id:
                self.bank_by_chunk[self.by_id[b.chunk_id]].append(n)
        self._df_cache: dict[str, int] = {}
        self._unit_words: dict[tuple[int, int], frozenset[str]] = {}
        self._chunk_surfaces: dict[int, frozenset[str]] = {}
        self.bank_surfaces = [surface(b.text) for b in self.bank]
        self.bank_gaps = np.array([b.gap for b in self.bank], dtype=bool)
        # How well each document's bank covers it (1.0 from BANK_PER_UNIT questions per unit up).
        unit_counts = Counter(c.chunk_id.split("#")[0] for c, us in zip(self.chunks, self.units) for _ in us)
        bank_counts = Counter(b.doc_key for b in self.bank if not b.gap)
        self.bank_density = {key: min(1.0, bank_counts[key] / (BANK_PER_UNIT * n)) for key, n in unit_counts.items()}
        variants = [v for forms in self.tokenizer.variants.values() for v in forms]
        self.homophones = Homophones([*self.bm25.postings, *variants])

    # ---- ingest --------------------------------------------------------------------------
    def _embed_and_store(self, chunks: list[Chunk], bank: list[BankQuestion], progress: bool = False) -> None:
        from tqdm import tqdm

        unit_rows = [(unit_id(c, n), u, c.chunk_id.split("#")[0]) for c in chunks for n, u in enumerate(units(c))]
        total = len(chunks) + len(unit_rows) + len(bank)
        bar = tqdm(total=total, desc="embedding", unit="text", disable=not progress or total < 200)
        cache, model = VectorCache(self.settings.embedding_cache_file), self._embedding_name
        passages = lambda texts: cache.embed(model, "passage", texts, self.embeddings.embed_documents)  # noqa: E731
        queries = lambda texts: cache.embed(model, "query", texts, lambda t: embed_queries(self.embeddings, t))  # noqa: E731
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors = passages([c.index_text for c in batch])
            self.store.upsert([c.chunk_id for c in batch], vectors, [c.chunk_id.split("#")[0] for c in batch])
            bar.update(len(batch))
        for start in range(0, len(unit_rows), EMBED_BATCH):
            batch = unit_rows[start : start + EMBED_BATCH]
            vectors = passages([text for _, text, _ in batch])
            self.unit_store.upsert([uid for uid, _, _ in batch], vectors, [key for _, _, key in batch])
            bar.update(len(batch))
        for start in range(0, len(bank), EMBED_BATCH):
            batch = bank[start : start + EMBED_BATCH]
            vectors = queries([b.text for b in batch])
            self.bank_store.upsert([b.bank_id for b in batch], vectors, [b.doc_key for b in batch])
            bar.update(len(batch))
        bar.close()

    def ingest(self, paths: list[Path], progress: bool = True) -> IngestReport:
        """Bring the index in step with these files/directories; only changed files are re-read.

        A document is identified by its content: the same text reached by another path (a copy, or the
        package's corpus and the working directory's) is reported as a duplicate, not indexed twice.
        """
        from tqdm import tqdm

        report = IngestReport()
        files = discover(paths)
        present = {str(f.resolve()) for f in files}
        by_path = {info["path"]: key for key, info in self.docs.items()}
        new_chunks: list[Chunk] = []
        new_bank: list[BankQuestion] = []
        changed_keys: set[str] = set()
        for path in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 20):
            resolved = str(path.resolve())
            sha = source_sha256(path)
            known_key = by_path.get(resolved)
            if known_key and self.docs[known_key]["sha256"] == sha:
                report.unchanged.append(path.name)
                continue
            try:
                doc = read_document(path)
            except UnreadableDocument as exc:
                log.warning("skipped %s", exc)
                report.skipped.append((path.name, str(exc)))
                continue
            key = content_key(doc)
            same = self.docs.get(key)
            if same and same["path"] != resolved and (same["path"] in present or Path(same["path"]).exists()):
                name = same["meta"].get("doc_number") or Path(same["path"]).name
                log.warning("%s is already indexed as %s (%s)", path.name, name, same["path"])
                report.duplicates.append((path.name, f"{name} ({same['path']})"))
                continue
            if known_key and known_key != key:
                changed_keys.add(known_key)
                del self.docs[known_key]
            if same and same["path"] == resolved and same.get("sha256") == sha:
                report.unchanged.append(path.name)
                continue
            chunks = chunk_document(doc, self.settings.max_chunk_chars)
            for n, chunk in enumerate(chunks):
                chunk.chunk_id = f"{key}#{n}"
            (report.updated if known_key else report.added).append(path.name)
            changed_keys.add(key)
            self.docs[key] = {"path": resolved, "sha256": sha, "meta": doc.meta}
            by_path[resolved] = key
            new_chunks.extend(chunks)
            new_bank.extend(load_bank(path, key, chunks))
        for root in (p for p in paths if p.is_dir()):
            prefix = str(root.resolve())
            for key, info in list(self.docs.items()):
                if info["path"].startswith(prefix) and info["path"] not in present:
                    report.removed.append(Path(info["path"]).name)
                    changed_keys.add(key)
                    del self.docs[key]
        if changed_keys:
            for key in changed_keys:
                for store in self._stores:
                    store.delete_doc(key)
            doc_of = lambda cid: cid.split("#")[0]  # noqa: E731
            kept = [(c, t) for c, t in zip(self.chunks, self.tokens) if doc_of(c.chunk_id) not in changed_keys]
            iterable = tqdm(new_chunks, desc="tokenising", unit="chunk", disable=not progress or len(new_chunks) < 200)
            new_tokens = [self.tokenizer.terms(c.index_text) for c in iterable]
            self.chunks = [c for c, _ in kept] + new_chunks
            self.tokens = [t for _, t in kept] + new_tokens
            self.bank = [b for b in self.bank if b.doc_key not in changed_keys] + new_bank
            self._embed_and_store(new_chunks, new_bank, progress)
            self._save_state()
            self._rebuild_lookup()
        elif not self._state_path.exists():
            self._save_state()
        report.chunks = len(self.chunks)
        return report

    def warm(self) -> None:
        """Load what the first question would otherwise load (the model, the word sounds, the synonyms and the
        confidence models), so that a bot opening the index in post_init answers its first question at once."""
        from .confidence import shipped
        from .question import synonyms

        if self.chunks:
            self.query_vector("warm")
            _ = self.homophones.by_sound
        synonyms()
        shipped()

    # ---- search --------------------------------------------------------------------------
    def query_vector(self, question: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(question), dtype=np.float32)

    def dense(self, vector: np.ndarray, n: int) -> dict[int, float]:
        """Cosine similarity of the n chunks nearest to a query vector."""
        return {self.by_id[cid]: sim for cid, sim in self.store.query(vector.tolist(), n) if cid in self.by_id}

    def unit_words(self, row: int, unit: int) -> frozenset[str]:
        """A unit's precise-mode words (normalised), computed once."""
        key = (row, unit)
        if key not in self._unit_words:
            self._unit_words[key] = frozenset(self.tokenizer.precise(normalize(self.units[row][unit])))
        return self._unit_words[key]

    def chunk_surface(self, row: int) -> frozenset[str]:
        if row not in self._chunk_surfaces:
            self._chunk_surfaces[row] = surface(self.chunks[row].index_text)
        return self._chunk_surfaces[row]

    def doc_freq(self, word: str) -> int:
        """How many chunks contain the word (as a substring: segmentation does not matter)."""
        df = self._df_cache.get(word)
        if df is None:
            df = self._df_cache[word] = sum(word in c.index_text for c in self.chunks)
        return df

    def idf(self, word: str) -> float:
        n = len(self.chunks)
        return math.log(1 + (n - self.doc_freq(word) + 0.5) / (self.doc_freq(word) + 0.5))


def open_index(settings: Settings, embeddings: Embeddings | None = None, sync: bool = True,
               progress: bool = True) -> KnowledgeIndex:
    """The index, built on first use and brought in step with the corpus directory (cheap when unchanged);
    `embeddings` from the caller (llm.provider.embeddings for an endpoint), the bundled e5 when None."""
    index = KnowledgeIndex(settings, embeddings=embeddings)
    if sync and settings.corpus_dir.exists():
        index.ingest([settings.corpus_dir], progress=progress)
    index.warm()
    return index
