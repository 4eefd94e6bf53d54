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

    def embed(self, model: str, side: str, texts: list[str], compute: Callable[[list[str]], list[list[float]]]
              ) -> list[list[float]]:
        """The texts' vectors: from the cache or the seed where known, the rest computed (in one call); what
        was not in the cache is stored there."""
        if not texts:
            return []
        keys = [self._key(model, side, t) for t in texts]
        if self.path is None:
            return self._fill(keys, texts, {}, compute)[0]
        with self._connect() as db:
            found = {}
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
            vectors, new = self._fill(keys, texts, found, compute)
            if new:
                db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                               [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in new.items()])
        return vectors

    def _fill(self, keys: list[str], texts: list[str], found: dict, compute) -> tuple[list, dict]:
        """Every text's vector (found, seeded or computed in one call) and those that were not found."""
        new = {k: self.seed[k].tolist() for k in keys if k not in found and k in self.seed}
        missing = [i for i, k in enumerate(keys) if k not in found and k not in new]
        if missing:
            new.update((keys[i], list(v)) for i, v in zip(missing, compute([texts[i] for i in missing])))
        return [found.get(k) or new[k] for k in keys], new
