"""The knowledge index: clause chunks, BM25 over jieba terms, dense vectors (stored in Chroma, searched in memory).

Each build writes a new generation and publishes it when complete (generations.py); a document over the size or
chunk limit of the settings is skipped and reported by the setting's name. A generation keeps its vectors in a
file of its own too, so answering reads them from there and never opens Chroma (nor imports it): Chroma is opened
by a build, and at open only to check a server (a new one is empty) or a generation without that file."""
from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import Settings

from . import generations
from .bank import BankQuestion, Surfaces, by_chunk, surface
from .bm25 import BM25
from .chunking import Chunk
from .embeddings import E5Embeddings, embed_queries
from .planning import IngestReport, doc_key, plan
from .question import particles
from .tokenize import Tokenizer, get_tokenizer, readings
from .typos import Homophones
from .store import VectorStore, chroma_client, drop_collection
from .units import unit_id, units
from .vector_cache import VectorCache

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
STORE_KINDS = ("", "_units", "_questions")  # collection name suffixes: chunks, answer units, question bank
VECTOR_KINDS = ("chunks", "units", "bank")  # the same three in the generation's vectors file
# Bump when chunking or the text given to retrieval changes: stored chunks and vectors are then rebuilt.
INDEX_FORMAT = 3
BANK_PER_UNIT = 3  # a document with this many bank questions per answer unit counts as fully covered


class BuildCancelled(Exception):
    """A build was asked to stop; it stopped between two batches and published nothing."""


class Progress:
    """Embedding progress: told to the caller's meter (`bar`, knowledge/progress.py) and a log line at every tenth."""

    def __init__(self, total: int, bar) -> None:
        from .progress import meter_of

        self.total, self.done, self.tenths = total, 0, 0
        self.advance = meter_of(bar)("embedding", total)

    def update(self, n: int) -> None:
        self.done += n
        self.advance(n)
        if self.done * 10 // self.total > self.tenths:
            self.tenths = self.done * 10 // self.total
            log.info("embedding: %d of %d texts", self.done, self.total)

    def close(self) -> None:
        pass


class KnowledgeIndex:
    """One generation of the index: chunks, their answer units and question bank, their BM25 terms and vectors.

    An object serves the generation it opened and is changed only by its own `ingest`; a build writes a new
    generation beside it and publishes it when complete (generations.py), so a process answering from this one
    never sees a half-built index."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None,
                 tokenizer: Tokenizer | None = None, generation: str | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or E5Embeddings(settings.embedding_threads)
        self.tokenizer = tokenizer or get_tokenizer()
        self._open(generation or generations.current(settings.index_dir))

    @cached_property
    def client(self):
        """The Chroma client, opened on first use (a build, a re-embed, a check of the store), never to answer."""
        return chroma_client(self.settings)

    # ---- generations -----------------------------------------------------------------------
    @property
    def _embedding_name(self) -> str:
        return getattr(self.embeddings, "model_name", type(self.embeddings).__name__)

    def _stores_of(self, generation: str) -> tuple[VectorStore, VectorStore, VectorStore]:
        return tuple(VectorStore(self.settings, f"-{generation}{kind}", self.client) for kind in STORE_KINDS)

    @cached_property
    def _stores(self) -> tuple[VectorStore, ...]:
        """The served generation's Chroma collections (none before the first build), opened on first use."""
        return self._stores_of(self.generation) if self.generation else ()

    @property
    def store(self) -> VectorStore | None:
        return self._stores[0] if self._stores else None

    @property
    def unit_store(self) -> VectorStore | None:
        return self._stores[1] if self._stores else None

    @property
    def bank_store(self) -> VectorStore | None:
        return self._stores[2] if self._stores else None

    def _open(self, generation: str | None) -> None:
        """Serve `generation`; without one (or when it belongs to another model or format) the index is empty
        until the first build. The vectors come from the generation's file; the store is checked only on a server
        or without that file, and vectors missing from it (a new, empty Chroma server) are written again."""
        index_dir = self.settings.index_dir
        state = generations.read_state(index_dir, generation) if generation else None
        if state and (state.get("embedding") != self._embedding_name or state.get("format") != INDEX_FORMAT):
            log.info("embedding model or index format changed: the index is built again")
            state = None
        self.generation = generation if state else None
        self.__dict__.pop("_stores", None)
        self.docs, self.chunks, self.tokens, self.bank = {}, [], [], []
        vectors = None
        if state:
            self.docs = state["docs"]
            self.chunks = [Chunk(**c) for c in state["chunks"]]
            self.bank = [BankQuestion(**b) for b in state.get("bank", [])]
            if state.get("tokenizer") == self.tokenizer.fingerprint:
                self.tokens = state["tokens"]
            else:
                self.tokens = [self.tokenizer.document_terms(c.index_text) for c in self.chunks]
            rows = self._row_ids()
            vectors = generations.read_vectors(index_dir, generation, rows)
            if (vectors is None or self.settings.chroma_url) and not self._store_in_step():
                log.info("vector store out of step with %d chunks: writing it again", len(self.chunks))
                self._rebuild_lookup(vectors)
                self._restore(reuse=set(self.docs) if vectors is not None else set())
                return
            if vectors is None:  # a generation of an earlier version: its vectors are kept in a file from now on
                vectors = {kind: store.matrix(ids) for (kind, ids), store in zip(rows.items(), self._stores)}
                try:
                    generations.write_vectors(index_dir, generation, {k: (rows[k], vectors[k]) for k in rows})
                except OSError as exc:
                    log.warning("vectors of generation %s not kept in a file: %s", generation, exc)
        self._rebuild_lookup(vectors)

    def _row_ids(self) -> dict[str, list[str]]:
        """The row ids of each kind of vector, in the order of the index's matrices."""
        return {"chunks": [c.chunk_id for c in self.chunks],
                "units": [unit_id(c, n) for c in self.chunks for n in range(len(units(c)))],
                "bank": [b.bank_id for b in self.bank]}

    def _store_in_step(self) -> bool:
        """The served generation's collections hold as many vectors as it has rows (opens Chroma)."""
        expected = (len(self.chunks), sum(len(units(c)) for c in self.chunks), len(self.bank))
        return tuple(s.count() for s in self._stores) == expected

    def _restore(self, reuse: set[str]) -> None:
        """Write the served generation again as a new one (the vectors of the documents in `reuse` copied, the rest
        embedded) and serve that, unless another process published a newer one meanwhile."""
        with generations.build_lock(self.settings.index_dir):
            published = generations.current(self.settings.index_dir)
            if published == self.generation:
                published = self._write(self.docs, self.chunks, self.tokens, self.bank, reuse)
        self._open(published)

    def _write(self, docs: dict, chunks: list[Chunk], tokens: list[list[str]], bank: list[BankQuestion],
               reuse: set[str], progress: bool = False, stop: threading.Event | None = None) -> str:
        """Write and publish a new generation (the caller holds the build lock): the vectors of the documents in
        `reuse` are copied from this one, the rest embedded in batches. Returns its name."""
        index_dir = self.settings.index_dir
        generation = generations.new_name()
        stores = self._stores_of(generation)
        known = self._known(reuse)
        plan = [  # (store, rows (id, text, doc key), side, vectors known from this generation)
            (stores[0], [(c.chunk_id, c.index_text, doc_key(c.chunk_id)) for c in chunks], "passage", known[0]),
            (stores[1], [(unit_id(c, n), u, doc_key(c.chunk_id)) for c in chunks for n, u in enumerate(units(c))],
             "passage", known[1]),
            (stores[2], [(b.bank_id, b.text, b.doc_key) for b in bank], "query", known[2]),
        ]
        try:
            self._fill(plan, progress, stop)
            # Read back as Chroma keeps them (it may round a vector's last bit), so answers do not change.
            generations.write_vectors(index_dir, generation, {
                kind: (ids, store.matrix(ids)) for kind, (store, rows, _, _) in zip(VECTOR_KINDS, plan)
                for ids in [[i for i, _, _ in rows]]})
            generations.write_state(index_dir, generation, {
                "format": INDEX_FORMAT, "embedding": self._embedding_name, "tokenizer": self.tokenizer.fingerprint,
                "docs": docs, "chunks": [c.to_dict() for c in chunks], "tokens": tokens,
                "bank": [asdict(b) for b in bank]})
        except BaseException:
            self._drop(generation)
            raise
        previous = generations.current(index_dir)
        generations.publish(index_dir, generation)
        log.info("index generation %s published: %d chunks, %d documents", generation, len(chunks), len(docs))
        for old in generations.listed(index_dir):
            if old not in (generation, previous):
                self._drop(old)
        self._drop_legacy()
        return generation

    def _known(self, reuse: set[str]) -> tuple[dict[str, np.ndarray], ...]:
        """This generation's chunk, unit and bank vectors of the documents in `reuse`, by row id."""
        if not reuse:
            return {}, {}, {}
        return ({c.chunk_id: self.chunk_vectors[i] for i, c in enumerate(self.chunks) if doc_key(c.chunk_id) in reuse},
                {uid: self.unit_vectors[i] for i, uid in enumerate(self.unit_ids) if doc_key(uid) in reuse},
                {b.bank_id: self.bank_vectors[n] for n, b in enumerate(self.bank) if b.doc_key in reuse})

    def _fill(self, plan: list, progress: bool, stop: threading.Event | None) -> None:
        """Store every row's vector in the new generation: copied when this generation or the vector cache (and
        its seed) knows it, else embedded in batches of ASSISTANT_EMBED_BATCH_SIZE, with progress; `stop` is
        honoured between batches."""
        cache = VectorCache(self.settings.embedding_cache_file, self.settings.embedding_seed_file)
        model = self._embedding_name
        compute = {"passage": self.embeddings.embed_documents, "query": lambda t: embed_queries(self.embeddings, t)}

        def embed(side: str, texts: list[str]) -> list[list[float]]:  # only texts the cache did not know
            vectors = compute[side](texts)
            cache.put(model, side, texts, vectors)
            return vectors

        for _, rows, side, known in plan:
            rest = [row for row in rows if row[0] not in known]
            for (row_id, _, _), vector in zip(rest, cache.lookup(model, side, [text for _, text, _ in rest])):
                if vector is not None:
                    known[row_id] = np.asarray(vector, dtype=np.float32)
        todo = [[row for row in rows if row[0] not in known] for _, rows, _, known in plan]
        meter = Progress(sum(map(len, todo)), progress)
        size = self.settings.embed_batch_size
        try:
            for (store, rows, side, known), fresh in zip(plan, todo):
                kept = [row for row in rows if row[0] in known]
                if kept:
                    store.upsert([i for i, _, _ in kept], np.stack([known[i] for i, _, _ in kept]),
                                 [k for _, _, k in kept])
                for start in range(0, len(fresh), size):
                    if stop is not None and stop.is_set():
                        raise BuildCancelled
                    batch = fresh[start : start + size]
                    store.upsert([i for i, _, _ in batch], embed(side, [text for _, text, _ in batch]),
                                 [k for _, _, k in batch])
                    meter.update(len(batch))
        finally:
            meter.close()

    def _drop(self, generation: str) -> None:
        """Remove a generation: its collections and its folder."""
        for kind in STORE_KINDS:
            drop_collection(self.client, f"{self.settings.chroma_collection}-{generation}{kind}")
        generations.remove_folder(self.settings.index_dir, generation)

    def _drop_legacy(self) -> None:
        """The single-generation layout of earlier versions (index/chunks.json and unsuffixed collections)."""
        legacy = self.settings.index_dir / generations.STATE_FILE
        if legacy.exists():
            for kind in STORE_KINDS:
                drop_collection(self.client, self.settings.chroma_collection + kind)
            legacy.unlink()

    def _rebuild_lookup(self, vectors: dict[str, np.ndarray] | None) -> None:
        """The lookups answering uses; `vectors` by kind (VECTOR_KINDS), None: none known (zeros)."""
        self.by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25(self.tokens)
        self.units = [units(c) for c in self.chunks]
        self.unit_ids = [unit_id(c, n) for c, us in zip(self.chunks, self.units) for n in range(len(us))]
        self.unit_row = {uid: i for i, uid in enumerate(self.unit_ids)}
        empty = np.zeros((0, 0), np.float32)
        known = vectors or {}
        self.chunk_vectors = known["chunks"] if self.chunks and "chunks" in known else empty
        norms = np.linalg.norm(self.chunk_vectors, axis=1, keepdims=True)
        self._chunk_directions = self.chunk_vectors / np.where(norms == 0, 1.0, norms)
        self.unit_vectors = known["units"] if self.unit_ids and "units" in known else empty
        self.bank_vectors = known["bank"] if self.bank and "bank" in known else empty
        self.bank_by_chunk = by_chunk(self.bank, self.by_id)
        self._df_cache: dict[str, int] = {}
        self._unit_words: dict[tuple[int, int], frozenset[str]] = {}
        self._chunk_surfaces: dict[int, frozenset[str]] = {}
        self.clause_texts = [readings(c.index_text) for c in self.chunks]
        self.unit_texts = [[readings(u) for u in us] for us in self.units]  # what substring matches look in
        self.bank_surfaces = Surfaces([surface(b.text) for b in self.bank])
        self.bank_gaps = np.array([b.gap for b in self.bank], dtype=bool)
        # How well each document's bank covers it (1.0 from BANK_PER_UNIT questions per unit up).
        unit_counts = Counter(doc_key(c.chunk_id) for c, us in zip(self.chunks, self.units) for _ in us)
        bank_counts = Counter(b.doc_key for b in self.bank if not b.gap)
        self.bank_density = {key: min(1.0, bank_counts[key] / (BANK_PER_UNIT * n)) for key, n in unit_counts.items()}
        variants = [v for forms in self.tokenizer.variants.values() for v in forms]
        self.homophones = Homophones([*self.bm25.postings, *variants], particles())

    # ---- ingest --------------------------------------------------------------------------
    def ingest(self, paths: list[Path], progress=True,
               on_wait: Callable[[], None] | None = None) -> IngestReport:
        """Bring the index in step with these files/directories and serve the result; only changed files are
        re-read, and a file over a limit is skipped (reported by the limit's setting). Waits while another
        process builds (`on_wait()` first), then builds on what it published. `progress`: a meter told how far
        each stage is (knowledge/progress.py), or a bool (nothing drawn here either way).

        A document is identified by its content: the same text reached by another path (a copy, or the
        package's corpus and the working directory's) is reported as a duplicate, not indexed twice.
        """
        report, generation = self._update(paths, progress, wait=True, on_wait=on_wait)
        if generation is not None:
            self._open(generation)
        elif self.generation is not None and not self._store_in_step():  # e.g. the Chroma folder was lost
            log.info("vector store out of step with %d chunks: writing it again", len(self.chunks))
            self._restore(reuse=set(self.docs))  # copied from the generation's vectors, not embedded
        return report

    def updated(self, paths: list[Path],
                stop: threading.Event | None = None) -> tuple[IngestReport, KnowledgeIndex | None]:
        """`ingest` for an index that is answering: this object stays as it is, and the new generation comes back
        as an index of its own (None when nothing changed, or, with `report.busy`, when another process builds)."""
        report, generation = self._update(paths, False, wait=False, stop=stop)
        if generation is None:
            return report, None
        return report, KnowledgeIndex(self.settings, self.embeddings, self.tokenizer, generation)

    def _update(self, paths: list[Path], progress: bool, wait: bool, stop: threading.Event | None = None,
                on_wait: Callable[[], None] | None = None) -> tuple[IngestReport, str | None]:
        """Under the build lock: plan the changes against the published generation and write the next one.
        Returns the report and the generation to open now (None: this object is up to date)."""
        report = IngestReport()
        with generations.build_lock(self.settings.index_dir, wait, on_wait) as held:
            if not held:
                report.busy = True
                return report, None
            published = generations.current(self.settings.index_dir)
            base = self if published == self.generation else KnowledgeIndex(
                self.settings, self.embeddings, self.tokenizer, published)
            docs, chunks, tokens, bank, changed = plan(base, paths, report, progress)
            report.chunks = len(chunks)
            if changed or base.generation is None:
                return report, base._write(docs, chunks, tokens, bank, set(base.docs) - changed, progress, stop)
            return report, (base.generation if base is not self else None)

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
        """Cosine similarity of the n chunks nearest to a query vector (the vectors are held in memory, so
        answering never waits for the vector store)."""
        n = min(n, len(self.chunks))
        if n <= 0:
            return {}
        sims = self._chunk_directions @ (vector / (np.linalg.norm(vector) or 1.0))
        return {int(i): float(sims[i]) for i in np.argpartition(-sims, n - 1)[:n]}

    def unit_words(self, row: int, unit: int) -> frozenset[str]:
        """A unit's precise-mode words (normalised), computed once."""
        key = (row, unit)
        if key not in self._unit_words:
            self._unit_words[key] = frozenset(self.tokenizer.precise(self.unit_texts[row][unit]))
        return self._unit_words[key]

    def chunk_surface(self, row: int) -> frozenset[str]:
        if row not in self._chunk_surfaces:
            self._chunk_surfaces[row] = surface(self.chunks[row].index_text)
        return self._chunk_surfaces[row]

    def doc_freq(self, word: str) -> int:
        """How many chunks contain the word (as a substring: segmentation does not matter)."""
        df = self._df_cache.get(word)
        if df is None:
            df = self._df_cache[word] = sum(word in text for text in self.clause_texts)
        return df

    def idf(self, word: str) -> float:
        n = len(self.chunks)
        return math.log(1 + (n - self.doc_freq(word) + 0.5) / (self.doc_freq(word) + 0.5))


def open_index(settings: Settings, embeddings: Embeddings | None = None, sync: bool = True,
               progress: bool = True) -> KnowledgeIndex:
    """The index, built on first use and brought in step with the corpus directory now (cheap when unchanged),
    for tools, tests and benchmarks; `embeddings` from the caller (llm.provider.embeddings for an endpoint), the
    bundled e5 when None. A process that answers uses knowledge.live.LiveIndex, which never waits for a re-index."""
    index = KnowledgeIndex(settings, embeddings=embeddings)
    if sync and settings.corpus_dir.exists():
        index.ingest([settings.corpus_dir], progress=progress)
    index.warm()
    return index
