"""The clause index as a LangChain retriever (for the LLM chain): documents carry clause label, path and scores."""
from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .index import KnowledgeIndex
from .retriever import hybrid_search


class ClauseRetriever(BaseRetriever):
    """LangChain retriever over the clause index: documents carry clause label, path and scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: KnowledgeIndex
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        _, hits = hybrid_search(self.index, query, self.k)
        return [
            Document(
                page_content=h.chunk.text,
                id=h.chunk.chunk_id,
                metadata={
                    "doc": h.chunk.doc,
                    "clause": h.chunk.clause,
                    "path": h.chunk.path_str,
                    "cite": h.chunk.cite,
                    "score": h.score,
                    "coverage": h.coverage,
                },
            )
            for h in hits
        ]
