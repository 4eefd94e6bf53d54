"""Regenerate the vector seed shipped with the package (vector_cache.SEED_FILE): `python -m assistant.knowledge.seed`
builds the shipped corpus's index with the bundled e5, an empty cache and no seed, then writes the vectors it
computed as the seed. Run it after changing the shipped corpus or its question bank (~1 minute)."""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from ..config import get_settings
from .index import KnowledgeIndex
from .vector_cache import SEED_FILE


def write_seed(cache_file: Path, seed: Path = SEED_FILE) -> int:
    """Write every vector of a cache file as the seed; returns how many."""
    with sqlite3.connect(cache_file) as db:
        rows = db.execute("SELECT key, vector FROM vectors ORDER BY key").fetchall()
    seed.parent.mkdir(parents=True, exist_ok=True)
    with seed.open("wb") as out:
        np.savez_compressed(out, keys=np.array([k for k, _ in rows]),
                            vectors=np.stack([np.frombuffer(v, dtype=np.float32) for _, v in rows]))
    return len(rows)


def main() -> None:
    """Build the shipped corpus's index with an empty cache and no seed, then write that cache as the seed."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "vectors.sqlite"
        settings = get_settings().model_copy(update={"data_dir": Path(tmp), "embedding_cache_file": cache,
                                                     "embedding_seed_file": None})
        KnowledgeIndex(settings).ingest([settings.corpus_dir], progress=True)  # the bundled e5: the default model
        print(f"{write_seed(cache)} vectors written to {SEED_FILE}")


if __name__ == "__main__":
    main()
