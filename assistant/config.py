"""Typed settings: every knob has an env var (prefix ASSISTANT_) and an embedded default."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Application settings, read from the environment and `.env`."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where indexes and databases live.")
    corpus_dir: Path = Field(default=PROJECT_ROOT / "docs_corpus", description="Documents to index.")

    # Vector store: embedded Chroma by default, a server when chroma_url is set.
    chroma_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8000")
    chroma_collection: str = "directives"

    # Chunking
    max_chunk_chars: int = Field(default=600, description="Longer clauses are split by sentence.")

    # Retrieval
    candidates: int = Field(default=20, description="Hits taken from each retriever before fusion.")
    top_k: int = Field(default=5, description="Citations returned with an answer.")
    dense_weight: float = Field(default=0.4, description="Weight of the dense score in fusion (BM25 gets the rest).")
    confidence_threshold: float = Field(default=0.5, description="Below it the assistant says the documents do not cover the question.")
    max_question_chars: int = 1000
    embedding_threads: int | None = None

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
