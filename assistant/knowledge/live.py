"""The index a process answers from (the bot, `assistant ask`): one complete generation at a time.

A re-index of the corpus folder runs in a background thread and is swapped in only once it is complete, and so
is a generation another process publishes (`assistant ingest`, another bot); a question never waits for either:
it is answered from the index that was current when it came in.
"""
from __future__ import annotations

import logging
import threading

from langchain_core.embeddings import Embeddings

from ..config import Settings
from . import generations
from .index import BuildCancelled, KnowledgeIndex

log = logging.getLogger(__name__)


class LiveIndex:
    """`current` is the index to answer from; `sync()` re-indexes beside it; `close()` ends the background work."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None, progress: bool = False) -> None:
        self.settings = settings
        index = KnowledgeIndex(settings, embeddings)
        if index.generation is None:  # first use: nothing to answer from yet, so it is built now
            index.ingest(self._corpus(), progress=progress)
        index.warm()
        self._index = index
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._worker: threading.Thread | None = None
        self._unusable: str | None = None  # a published generation this process cannot serve (another model)

    def _corpus(self) -> list:
        return [self.settings.corpus_dir] if self.settings.corpus_dir.exists() else []

    @property
    def current(self) -> KnowledgeIndex:
        """The index to answer from now; a newer generation published by another process starts loading beside it."""
        published = generations.current(self.settings.index_dir)
        if published not in (None, self._index.generation, self._unusable):
            self._background(self._load, published)
        return self._index

    @property
    def busy(self) -> bool:
        """A re-index or a load is under way."""
        worker = self._worker
        return worker is not None and worker.is_alive()

    def sync(self, wait: float = 0.0) -> LiveIndex:
        """Re-index the corpus folder in the background (only changed files are read) and wait at most `wait`
        seconds for it; until it is complete the previous index keeps answering."""
        self._background(self._resync)
        self.join(wait)
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the background work (at most `timeout` seconds); True when none is left."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self.busy

    def stop(self) -> None:
        """Ask a re-index under way to stop at its next batch (nothing half-built is published); start no other."""
        self._stop.set()

    def close(self) -> None:
        """`stop()`, then wait for the background work to end."""
        self.stop()
        self.join()

    def _background(self, work, *args) -> None:
        with self._guard:
            if self.busy or self._stop.is_set():
                return
            self._worker = threading.Thread(target=self._run, args=(work, *args), name="index-refresh", daemon=True)
            self._worker.start()

    def _run(self, work, *args) -> None:
        try:
            work(*args)
        except BuildCancelled:
            log.info("re-index stopped before it was complete; the previous index keeps answering")
        except Exception:
            log.exception("re-index failed; the previous index keeps answering")

    def _resync(self) -> None:
        report, index = self._index.updated(self._corpus(), stop=self._stop)
        if report.busy:
            log.info("another process is re-indexing; its index is loaded once it is published")
        if index is not None:
            self._swap(index)

    def _load(self, generation: str) -> None:
        index = KnowledgeIndex(self.settings, self._index.embeddings, self._index.tokenizer, generation)
        if index.generation is None:
            self._unusable = generation
            log.warning("index generation %s cannot be served here (another embedding model or format)", generation)
            return
        self._swap(index)

    def _swap(self, index: KnowledgeIndex) -> None:
        index.warm()
        self._index = index  # one assignment: a question already being answered finishes on the previous index
        log.info("now answering from index generation %s (%d chunks)", index.generation, len(index.chunks))
