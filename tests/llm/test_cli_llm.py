"""`assistant ask --json` carries "mode": extractive by default, llm with an endpoint configured."""
import json
import os

import pytest

from ..cli.test_knowledge import check_contract, run, run_in_process
from ..conftest import built_corpus
from ..helpers.shared import copy_of
from .fake_server import FakeLLMServer


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The index built: a copy of the run's `built_corpus` (tests/conftest.py)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "ASSISTANT_LLM_"))}
    data = copy_of(built_corpus(tmp_path_factory) / "data", tmp_path_factory.mktemp("cli-llm") / "data")
    return {**clean, "ASSISTANT_DATA_DIR": str(data)}


def test_default_mode_is_extractive(env):  # the JSON printed, in-process (the endpoint tests: real processes)
    obj = json.loads(run_in_process(env, "ask", "--json", "小区党支部设几名委员？").stdout)
    check_contract(obj)
    assert obj["mode"] == "extractive" and obj["confident"]


def test_configured_endpoint_gives_llm_answers(env):
    with FakeLLMServer("grounded") as server:
        llm_env = {**env, "LLM_BASE_URL": server.url, "LLM_MODEL": "stand-in", "LLM_TIMEOUT": "5"}
        proc = run(llm_env, "ask", "--json", "-", stdin="小区党支部设几名委员？\n物业费每平方米多少钱\n")
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    check_contract(first)
    assert first["mode"] == "llm" and first["answer"].endswith("[3]") and first["citations"][0]["clause"] == "3"
    assert second["mode"] == "extractive" and not second["confident"]  # not covered: no LLM call
    assert len(server.requests) == 1
    with FakeLLMServer("grounded") as server:
        readable = run({**llm_env, "LLM_BASE_URL": server.url}, "ask", "小区党支部设几名委员？").stdout.splitlines()
    assert readable[0].endswith("[3]") and readable[1].startswith("「") and "3-5 名" in readable[1]
    assert readable[2].startswith("出处：组通〔2020〕15号") and "语言模型" in readable[3]


def test_rejected_llm_answer_is_extractive_and_logged(env):
    with FakeLLMServer("corrupt") as server:
        llm_env = {**env, "LLM_BASE_URL": server.url, "LLM_MODEL": "stand-in"}
        proc = run(llm_env, "ask", "--json", "小区党支部设几名委员？")
    obj = json.loads(proc.stdout)
    assert obj["mode"] == "extractive" and "3-5" in obj["answer"]
    assert "number not in the cited clauses: 4" in proc.stderr
