"""The vector store: Chroma collections (per kind of vector and index generation), embedded by default, a server
when a URL is set."""
from __future__ import annotations

import numpy as np

from ..config import Settings


class VectorStore:
    """One Chroma collection of vectors: embedded by default, a server when a URL is set."""

    def __init__(self, settings: Settings, suffix: str = "", client=None) -> None:
        self.client = client or chroma_client(settings)
        self.name = settings.chroma_collection + suffix
        self._open()

    def _open(self) -> None:
        self.collection = self.client.get_or_create_collection(
            self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def reset(self) -> None:
        """Drop every vector (and the dimension with them), as a new, empty Chroma server has none."""
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

    def matrix(self, ids: list[str]) -> np.ndarray:
        """The stored vectors of these ids, in this order, one row each (zeros for a missing id)."""
        rows: dict[str, list[float]] = {}
        for start in range(0, len(ids), 5000):
            got = self.collection.get(ids=ids[start : start + 5000], include=["embeddings"])
            rows.update(zip(got["ids"], got["embeddings"]))
        dim = len(next(iter(rows.values()))) if rows else 0
        out = np.zeros((len(ids), dim), dtype=np.float32)
        for i, cid in enumerate(ids):
            if cid in rows:
                out[i] = rows[cid]
        return out


def drop_collection(client, name: str) -> None:
    """Delete a collection if it is there."""
    from chromadb.errors import NotFoundError

    try:
        client.delete_collection(name)
    except NotFoundError:
        pass


def chroma_client(settings: Settings):
    """The Chroma client of the settings: a server when a URL is set, else embedded in the data dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https", settings=chroma_settings
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
