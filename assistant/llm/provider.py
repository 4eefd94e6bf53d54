"""Settings → LangChain chat model (and embeddings) for any OpenAI-compatible endpoint; None when unset.

`call()` runs one LLM step under the configured timeout and turns every failure into a logged reason, so
callers only ever see a result or `None`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from ..config import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
NO_KEY = "not-needed"  # local servers (llama.cpp, vLLM, Ollama) accept any key; the client insists on one


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model (LLM_BASE_URL + LLM_MODEL), or None: then the assistant works without one."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or NO_KEY,
        timeout=settings.llm_timeout, max_retries=0, temperature=settings.llm_temperature,
    )


class EndpointEmbeddings(Embeddings):
    """An OpenAI-compatible embeddings endpoint, named by URL and model so the index re-embeds on a change."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.model_name = f"openai:{base_url}:{model}"
        # check_embedding_ctx_length=False: send the text as is (the length check needs tiktoken's
        # downloadable encodings, which an offline machine does not have).
        self._client = OpenAIEmbeddings(base_url=base_url, model=model, api_key=api_key or NO_KEY, timeout=timeout,
                                        max_retries=0, check_embedding_ctx_length=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._client.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._client.embed_query(text)


def embeddings(settings: Settings) -> Embeddings | None:
    """The configured embeddings endpoint (LLM_EMBEDDINGS_MODEL), or None for the bundled e5 model."""
    if not settings.llm_embeddings_model:
        return None
    base_url = settings.llm_embeddings_base_url or settings.llm_base_url
    if not base_url:
        raise ValueError("LLM_EMBEDDINGS_MODEL is set but neither LLM_EMBEDDINGS_BASE_URL nor LLM_BASE_URL is")
    return EndpointEmbeddings(base_url, settings.llm_embeddings_model, settings.llm_api_key, settings.llm_timeout)


@dataclass(frozen=True)
class Outcome:
    """What one LLM step gave: the value, or None with the reason it was not used."""

    value: Any = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


async def call(step: str, work: Awaitable, timeout: float) -> Outcome:
    """Await one LLM step within `timeout` seconds; a timeout or any error becomes a logged reason."""
    try:
        return Outcome(await asyncio.wait_for(work, timeout))
    except TimeoutError:
        return rejected(step, f"timeout after {timeout:g} s")
    except Exception as err:  # noqa: BLE001 — any client, HTTP or parsing failure means: use the rules
        return rejected(step, f"error: {type(err).__name__}: {str(err)[:200]}")


def rejected(step: str, reason: str) -> Outcome:
    """A logged refusal of an LLM result."""
    log.warning("llm %s not used: %s", step, reason)
    return Outcome(None, reason)
