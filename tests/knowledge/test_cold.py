"""A cold `assistant ask` loads only what answering needs: the generation's vectors come from its own file
(equal to what Chroma holds), Chroma is neither opened nor imported, and jieba's dictionary comes from a cache
that follows the dictionary files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.knowledge import generations
from assistant.knowledge.index import KnowledgeIndex, VECTOR_KINDS

from ..conftest import make_settings
from ..helpers.corpus import directive_corpus

PROBE = """
import json, sys
from assistant.cli import app
sys.argv = ["assistant", "ask", "--json", "小区党支部设几名委员？"]
try:
    app()
except SystemExit:
    pass
heavy = ("chromadb", "telegram", "openpyxl", "langchain_core.language_models.chat_models", "langchain_core.retrievers", "pypinyin")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_ask_answers_without_chroma_or_other_heavy_modules(corpus_index):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(corpus_index.settings.data_dir)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300,
                         check=True).stdout.splitlines()
    answer, loaded = json.loads(out[0]), json.loads(out[-1])
    assert answer["confident"] and answer["citations"][0]["clause"] == "3"
    assert loaded == []


def test_the_vectors_file_holds_what_chroma_holds(corpus_index):
    settings, generation = corpus_index.settings, corpus_index.generation
    rows = {"chunks": [c.chunk_id for c in corpus_index.chunks], "units": corpus_index.unit_ids,
            "bank": [b.bank_id for b in corpus_index.bank]}
    on_disk = generations.read_vectors(settings.index_dir, generation, rows)
    stores = (corpus_index.store, corpus_index.unit_store, corpus_index.bank_store)
    for kind, store in zip(VECTOR_KINDS, stores):
        assert len(rows[kind]) > 0
        assert np.array_equal(on_disk[kind], store.matrix(rows[kind])), kind
    assert np.array_equal(KnowledgeIndex(settings).chunk_vectors, on_disk["chunks"])


def test_a_vectors_file_of_other_rows_is_not_used(tmp_path):
    generations.write_vectors(tmp_path, "g1", {"chunks": (["a#0", "a#1"], np.ones((2, 3)))})
    assert generations.read_vectors(tmp_path, "g1", {"chunks": ["a#0", "a#1"]})["chunks"].shape == (2, 3)
    assert generations.read_vectors(tmp_path, "g1", {"chunks": ["a#1", "a#0"]}) is None
    assert generations.read_vectors(tmp_path, "g2", {"chunks": []}) is None


def test_char_sounds_read_as_pypinyin_does():
    from pypinyin import lazy_pinyin

    from assistant.knowledge.typos import _pinyin

    text = "书及支布爆光，小区（网格）党支部 abc 12？\n曝𠀀々"
    assert _pinyin(text) == lazy_pinyin(list(text))


def test_the_jieba_cache_follows_the_user_dictionary(tmp_path, monkeypatch):
    from assistant.knowledge import caching, tokenize

    data = tmp_path / "dict"
    shutil.copytree(tokenize.DATA_DIR, data)
    monkeypatch.setattr(tokenize, "DATA_DIR", data)
    monkeypatch.setattr(caching, "CACHE_DIR", tmp_path / "cache")
    word = "充电桩巡查员"
    first = tokenize.Tokenizer()
    assert word not in first.precise(f"请{word}到场")
    again = tokenize.Tokenizer()  # from the cache: the same dictionary
    assert again._jieba.FREQ == first._jieba.FREQ and again._jieba.total == first._jieba.total
    with (data / "userdict.txt").open("a", encoding="utf-8") as handle:
        handle.write(f"{word} 50 n\n")
    changed = tokenize.Tokenizer()
    assert word in changed.precise(f"请{word}到场")
    assert len(list((tmp_path / "cache").glob("jieba-*.pickle"))) == 2


def test_one_blas_thread_unless_set():
    """numpy's spinning BLAS threads slowed the e5 encoder twofold; the package limits them before numpy loads."""
    code = "import os, assistant.cli, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "2"  # an explicit setting wins
    out = subprocess.run([sys.executable, "-c", "import os, assistant; print(os.environ['OPENBLAS_NUM_THREADS'])"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"
