"""The vector store: one Chroma collection per kind of vector, embedded by default, a server when a URL is set."""
from __future__ import annotations

import numpy as np

from ..config import Settings


class VectorStore:
    """One Chroma collection of vectors: embedded by default, a server when a URL is set."""

    def __init__(self, settings: Settings, suffix: str = "", client=None) -> None:
        self.client = client or _client(settings)
        self.name = settings.chroma_collection + suffix
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
        """(id, cosine similarity) of the n nearest vectors."""
        n = min(n, self.count())
        if n <= 0:
            return []
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(result["ids"][0], result["distances"][0])]

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


def _client(settings: Settings):
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
