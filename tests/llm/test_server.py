"""The real client path: ChatOpenAI / OpenAI embeddings against an OpenAI-compatible server on 127.0.0.1."""
import asyncio
import json

import pytest

from assistant.config import Settings
from assistant.llm.answer import answer_sync
from assistant.llm.intent import route_intent
from assistant.llm.provider import chat_model, embeddings

from .fake_server import FakeLLMServer

QUESTION = "小区党支部设几名委员？"


@pytest.fixture
def server():
    with FakeLLMServer("grounded") as running:
        yield running


@pytest.fixture
def index(corpus_index, server, monkeypatch):
    """The session's index with settings that point at the test server (timeout 1 s)."""
    settings = corpus_index.settings.model_copy(update={"llm_base_url": server.url, "llm_model": "stand-in",
                                                        "llm_timeout": 1.0})
    monkeypatch.setattr(corpus_index, "settings", settings)
    return corpus_index


def ask(index, question=QUESTION):
    return answer_sync(index, chat_model(index.settings), question)


def test_no_endpoint_no_model(tmp_path):
    assert chat_model(Settings(data_dir=tmp_path)) is None
    assert embeddings(Settings(data_dir=tmp_path)) is None
    configured = Settings(data_dir=tmp_path, LLM_BASE_URL="http://127.0.0.1:9/v1", LLM_MODEL="qwen2.5")
    assert configured.llm_timeout == 8.0 and chat_model(configured).model_name == "qwen2.5"


def test_grounded_answer_is_accepted(index, server):
    result = ask(index)
    assert result.mode == "llm" and result.answer.endswith("[3]") and "3-5 名" in result.answer
    assert result.citations[0].clause == "3"
    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions" and request["model"] == "stand-in"
    assert "[3] 组通〔2020〕15号 二、（一）3. 建立小区（网格）党支部" in request["messages"][-1]["content"]


def test_changed_number_is_rejected(index, server):
    server.mode = "corrupt"  # "3-5 名" becomes "4-5 名"
    result = ask(index)
    assert result.mode == "extractive" and result.fallback == "number not in the cited clauses: 4"
    assert "3-5 名" in result.answer


def test_wrong_clause_label_is_rejected(index, server):
    server.mode = "script"
    server.reply = lambda request: "根据二、（一）4. 建立小区（网格）党支部的规定，党支部一般设委员 3-5 名 [3]"
    result = ask(index)
    assert result.mode == "extractive" and "clause label 4" in result.fallback


def test_slow_reply_times_out(index, server):
    server.delay = 3
    result = ask(index)
    assert result.mode == "extractive" and result.fallback and "imeout" in result.fallback
    assert result.elapsed_ms < 2900  # the 1 s timeout, not the server, decided


def test_malformed_json_falls_back(index, server):
    server.mode = "malformed"
    result = ask(index)
    assert result.mode == "extractive" and result.fallback.startswith("error:")


def test_unreachable_endpoint_falls_back(index, server):
    server.__exit__()
    result = ask(index)
    assert result.mode == "extractive" and result.fallback.startswith("error:")


def test_intent_over_http(server):
    server.mode = "script"
    server.reply = lambda request: json.dumps({"intent": "new_need"})
    model = chat_model(Settings(LLM_BASE_URL=server.url, LLM_MODEL="stand-in"))
    assert asyncio.run(route_intent(model, "3号楼电梯坏了", 2)) == "new_need"
    assert "new_need" in server.requests[-1]["messages"][0]["content"]  # the schema's format instructions


def test_embeddings_endpoint_needs_no_tokenizer_download(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))  # nothing cached: a download would fail
    found = embeddings(Settings(data_dir=tmp_path, LLM_BASE_URL=server.url, LLM_EMBEDDINGS_MODEL="bge-m3"))
    assert found.model_name == f"openai:{server.url}:bge-m3"
    vectors = found.embed_documents(["小区党支部", "物业"])
    assert len(vectors) == 2 and len(found.embed_query("委员")) == 8
    assert server.requests[-1]["input"] == ["委员"]  # sent as text, not as tiktoken ids
