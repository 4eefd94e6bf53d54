"""Vectors already computed, by embedding model, side (passage/query) and text: a rebuilt index, another
data dir or a copy of a document does not embed the same text again. One SQLite file, safe to share.

Beside it, read only, the seed shipped with the package (`data/vectors-seed.npz`): the default model's vectors
of the shipped corpus and its question bank, so a fresh machine's first answer does not wait a minute for
3,000 bank questions to be embedded. Regenerate it after changing the shipped corpus or bank:
`python -m assistant.knowledge.seed` (a test fails while it is stale)."""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

BUSY_TIMEOUT_S = 30
SEED_FILE = Path(__file__).parent / "data" / "vectors-seed.npz"  # the default of Settings.embedding_seed_file


@lru_cache
def seed_vectors(path: Path) -> dict[str, np.ndarray]:
    """The shipped vectors by cache key (none when the file is absent)."""
    if not path.exists():
        return {}
    with np.load(path) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"]))


class VectorCache:
    def __init__(self, path: Path | None, seed: Path | None = None) -> None:
        self.path = path
        self.seed = seed_vectors(seed) if seed is not None else {}

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        return db

    @staticmethod
    def _key(model: str, side: str, text: str) -> str:
        return hashlib.sha256(f"{model}\x00{side}\x00{text}".encode()).hexdigest()

    def lookup(self, model: str, side: str, texts: list[str]) -> list[list[float] | None]:
        """The texts' vectors where known — from the cache, else the seed (copied into the cache) — else None."""
        keys = [self._key(model, side, t) for t in texts]
        found: dict[str, list[float]] = {}
        if self.path is not None and keys:
            with self._connect() as db:
                for start in range(0, len(keys), 500):
                    part = keys[start : start + 500]
                    rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                    found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
                seeded = {k: self.seed[k].tolist() for k in keys if k not in found and k in self.seed}
                self._store(db, seeded)
        else:
            seeded = {k: self.seed[k].tolist() for k in keys if k in self.seed}
        found.update(seeded)
        return [found.get(k) for k in keys]

    def embed(self, model: str, side: str, texts: list[str], compute: Callable[[list[str]], list[list[float]]]
              ) -> list[list[float]]:
        """The texts' vectors: known ones looked up, the rest computed (in one call) and stored in the cache."""
        vectors = self.lookup(model, side, texts)
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing:
            computed = [list(v) for v in compute([texts[i] for i in missing])]
            self.put(model, side, [texts[i] for i in missing], computed)
            for i, v in zip(missing, computed):
                vectors[i] = v
        return vectors

    def put(self, model: str, side: str, texts: list[str], vectors: list[list[float]]) -> None:
        """Store computed vectors (nothing without a cache file)."""
        if self.path is not None and texts:
            with self._connect() as db:
                self._store(db, {self._key(model, side, t): v for t, v in zip(texts, vectors)})

    @staticmethod
    def _store(db: sqlite3.Connection, vectors: dict[str, list[float]]) -> None:
        db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                       [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()])
