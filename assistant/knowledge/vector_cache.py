"""Vectors already computed, by embedding model, side (passage/query) and text: a rebuilt index, another
data dir or a copy of a document does not embed the same text again. One SQLite file, safe to share."""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

BUSY_TIMEOUT_S = 30


class VectorCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path

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
        """The texts' vectors: from the cache where known, the rest computed (in one call) and stored."""
        if self.path is None or not texts:
            return compute(texts)
        keys = [self._key(model, side, t) for t in texts]
        with self._connect() as db:
            found = {}
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
            missing = [i for i, k in enumerate(keys) if k not in found]
            if missing:
                computed = compute([texts[i] for i in missing])
                rows = [(keys[i], np.asarray(v, dtype=np.float32).tobytes()) for i, v in zip(missing, computed)]
                db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
                found.update((keys[i], list(v)) for i, v in zip(missing, computed))
        return [found[k] for k in keys]
