"""The knowledge index: clause chunks, BM25 over jieba terms, dense vectors in Chroma."""
from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ..config import Settings
from .chunking import Chunk, chunk_document
from .embeddings import E5Embeddings
from .ingest import UnreadableDocument, discover, file_sha256, read_document
from .tokenize import Tokenizer, get_tokenizer

log = logging.getLogger(__name__)
STATE_FILE = "chunks.json"
# Bump when chunking or the text given to retrieval changes: stored chunks and vectors are then rebuilt.
INDEX_FORMAT = 2
EMBED_BATCH = 32


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
    chunks: int = 0


def _doc_key(path: Path) -> str:
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]


class VectorStore:
    """Chroma collection holding one vector per chunk: embedded by default, a server when a URL is set."""

    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            self.client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self.name = settings.chroma_collection
        self._open()

    def _open(self) -> None:
        self.collection = self.client.get_or_create_collection(
            self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def reset(self) -> None:
        """Drop every vector (and the dimension with them), e.g. after an embedding-model change."""
        self.client.delete_collection(self.name)
        self._open()

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, ids: list[str], vectors: list[list[float]], doc_keys: list[str]) -> None:
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self.collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                metadatas=[{"doc_key": k} for k in doc_keys[start:end]],
            )

    def delete_doc(self, doc_key: str) -> None:
        self.collection.delete(where={"doc_key": doc_key})

    def query(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the n nearest chunks."""
        n = min(n, self.count())
        if n <= 0:
            return []
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(result["ids"][0], result["distances"][0])]


class KnowledgeIndex:
    """Chunks, their BM25 terms and their vectors, kept in step with the documents on disk."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None,
                 tokenizer: Tokenizer | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or E5Embeddings(settings.embedding_threads)
        self.tokenizer = tokenizer or get_tokenizer()
        self.store = VectorStore(settings)
        self.docs: dict[str, dict] = {}
        self.chunks: list[Chunk] = []
        self.tokens: list[list[str]] = []
        self._load_state()
        self._rebuild_lookup()

    # ---- state on disk -------------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        return self.settings.index_dir / STATE_FILE

    @property
    def _embedding_name(self) -> str:
        return getattr(self.embeddings, "model_name", type(self.embeddings).__name__)

    def _load_state(self) -> None:
        state = json.loads(self._state_path.read_text(encoding="utf-8")) if self._state_path.exists() else {}
        if state.get("embedding") != self._embedding_name or state.get("format") != INDEX_FORMAT:
            if state:
                log.info("embedding model or index format changed: rebuilding the index")
            if self.store.count():
                self.store.reset()
            return
        self.docs = state["docs"]
        self.chunks = [Chunk(**c) for c in state["chunks"]]
        if state.get("tokenizer") == self.tokenizer.fingerprint:
            self.tokens = state["tokens"]
        else:
            self.tokens = [self.tokenizer.terms(c.index_text) for c in self.chunks]
        if self.store.count() != len(self.chunks):
            log.info("vector store out of step with %d chunks: re-embedding", len(self.chunks))
            self.store.reset()
            self._embed_and_store(self.chunks)

    def _save_state(self) -> None:
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "format": INDEX_FORMAT,
            "embedding": self._embedding_name,
            "tokenizer": self.tokenizer.fingerprint,
            "docs": self.docs,
            "chunks": [c.to_dict() for c in self.chunks],
            "tokens": self.tokens,
        }
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self._state_path)

    def _rebuild_lookup(self) -> None:
        self.by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25(self.tokens)

    # ---- ingest --------------------------------------------------------------------------
    def _embed_and_store(self, chunks: list[Chunk], progress: bool = False) -> None:
        from tqdm import tqdm

        bar = tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=not progress or len(chunks) < 200)
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors = self.embeddings.embed_documents([c.index_text for c in batch])
            self.store.upsert([c.chunk_id for c in batch], vectors, [c.chunk_id.split("#")[0] for c in batch])
            bar.update(len(batch))
        bar.close()

    def ingest(self, paths: list[Path], progress: bool = True) -> IngestReport:
        """Bring the index in step with these files/directories; only changed files are re-read."""
        from tqdm import tqdm

        report = IngestReport()
        files = discover(paths)
        new_chunks: list[Chunk] = []
        changed_keys: set[str] = set()
        for path in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 20):
            key = _doc_key(path)
            sha = file_sha256(path)
            known = self.docs.get(key)
            if known and known["sha256"] == sha:
                report.unchanged.append(path.name)
                continue
            try:
                doc = read_document(path)
            except UnreadableDocument as exc:
                log.warning("skipped %s", exc)
                report.skipped.append((path.name, str(exc)))
                continue
            chunks = chunk_document(doc, self.settings.max_chunk_chars)
            for n, chunk in enumerate(chunks):
                chunk.chunk_id = f"{key}#{n}"
            (report.updated if known else report.added).append(path.name)
            changed_keys.add(key)
            self.docs[key] = {"path": str(path.resolve()), "sha256": sha, "meta": doc.meta}
            new_chunks.extend(chunks)
        for root in (p for p in paths if p.is_dir()):
            prefix = str(root.resolve())
            present = {str(f.resolve()) for f in files}
            for key, info in list(self.docs.items()):
                if info["path"].startswith(prefix) and info["path"] not in present:
                    report.removed.append(Path(info["path"]).name)
                    changed_keys.add(key)
                    del self.docs[key]
        if changed_keys:
            for key in changed_keys:
                self.store.delete_doc(key)
            kept = [(c, t) for c, t in zip(self.chunks, self.tokens) if c.chunk_id.split("#")[0] not in changed_keys]
            iterable = tqdm(new_chunks, desc="tokenising", unit="chunk", disable=not progress or len(new_chunks) < 200)
            new_tokens = [self.tokenizer.terms(c.index_text) for c in iterable]
            self.chunks = [c for c, _ in kept] + new_chunks
            self.tokens = [t for _, t in kept] + new_tokens
            self._embed_and_store(new_chunks, progress)
            self._save_state()
            self._rebuild_lookup()
        elif not self._state_path.exists():
            self._save_state()
        report.chunks = len(self.chunks)
        return report

    # ---- search --------------------------------------------------------------------------
    def dense(self, question: str, n: int) -> dict[int, float]:
        vector = self.embeddings.embed_query(question)
        return {self.by_id[cid]: sim for cid, sim in self.store.query(vector, n) if cid in self.by_id}


def open_index(settings: Settings, embeddings: Embeddings | None = None, sync: bool = True,
               progress: bool = True) -> KnowledgeIndex:
    """The index, built on first use and brought in step with the corpus directory (cheap when unchanged);
    `embeddings` from the caller (llm.provider.embeddings for an endpoint), the bundled e5 when None."""
    index = KnowledgeIndex(settings, embeddings=embeddings)
    if sync and settings.corpus_dir.exists():
        index.ingest([settings.corpus_dir], progress=progress)
    return index
