"""`assistant draft-bank DOC`: the configured LLM drafts a document's question bank clause by clause; what it
writes is checked (evidence verbatim in the sentence it names, a known answer type, questions present) and goes to
a draft file the index never reads, until a reviewer moves it into the bank."""
from __future__ import annotations

import json
import os
import re

from assistant.knowledge.index import KnowledgeIndex

from ..cli.test_knowledge import run
from ..conftest import make_settings
from ..knowledge.test_answer_engine import SECOND
from .fake_server import FakeLLMServer

SENTENCE_RE = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def drafting_model(request) -> str:
    """A stand-in that copies the start of each numbered sentence as its evidence, adds one fact whose evidence
    the clause does not hold and one with an unknown answer type, and one gap."""
    human = request["messages"][-1]["content"]
    sentences = SENTENCE_RE.findall(human)
    facts = [{"sentence": int(n), "evidence": text[:6], "asks": "what", "q": [f"问{n}：{text[:4]}是啥", f"what about {n}?",
                                                                          f"问{n}：{text[:4]}是啥"]}
             for n, text in sentences]
    facts += [{"sentence": 1, "evidence": "文件里没有的话", "asks": "what", "q": ["编的"]},
              {"sentence": 1, "evidence": sentences[0][1][:6] if sentences else "", "asks": "salary", "q": ["x"]}]
    gaps = [{"entity": "工资", "asks": "money", "q": ["工资多少", "How much are they paid?"]}]
    return json.dumps({"facts": facts, "gaps": gaps}, ensure_ascii=False)


def env_for(tmp_path, **extra):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "ASSISTANT_LLM_"))}
    return {**clean, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), **extra}


def test_a_draft_is_checked_written_aside_and_loads_once_reviewed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = corpus / "ningmin-2021-7.txt"
    doc.write_text(SECOND, encoding="utf-8")
    with FakeLLMServer("script") as server:
        server.reply = drafting_model
        env = env_for(tmp_path, LLM_BASE_URL=server.url, LLM_MODEL="stand-in")
        proc = run(env, "draft-bank", str(doc))
        clauses = len(server.requests)
        again = run(env, "draft-bank", str(doc))
    assert proc.returncode == 0, proc.stderr
    draft = corpus / "ningmin-2021-7.questions.draft.jsonl"
    entries = [json.loads(line) for line in draft.read_text(encoding="utf-8").splitlines()]
    facts = [e for e in entries if "evidence" in e]
    gaps = [e for e in entries if "near" in e]
    assert facts and len(gaps) == clauses
    assert all(e["evidence"] in SECOND and len(e["q"]) == 2 for e in facts)  # the repeated question once
    assert proc.stderr.count("不是第 1 句的原文") == clauses and proc.stderr.count("未知的答案类型 salary") == clauses
    assert "ningmin-2021-7.questions.jsonl" in proc.stdout and str(len(entries)) in proc.stdout
    assert again.returncode == 2 and "--force" in again.stderr  # a draft under review is not overwritten

    settings = make_settings(tmp_path / "index", corpus_dir=corpus)
    index = KnowledgeIndex(settings)
    index.ingest([corpus], progress=False)
    assert not index.bank  # a draft is never loaded
    draft.rename(corpus / "ningmin-2021-7.questions.jsonl")  # the reviewer accepts it
    index.ingest([corpus], progress=False)
    assert len(index.bank) == sum(len(e["q"]) for e in entries)


def test_without_a_model_it_says_what_to_set(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text(SECOND, encoding="utf-8")
    proc = run(env_for(tmp_path), "draft-bank", str(doc))
    assert proc.returncode == 2 and "LLM_BASE_URL" in proc.stderr and not (tmp_path / "a.questions.draft.jsonl").exists()
