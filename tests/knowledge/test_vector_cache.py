"""The vector cache and the seed shipped beside it: a fresh machine's first build of the shipped corpus and its
question bank embeds nothing, and a stale seed is caught here, naming the command that regenerates it."""
from __future__ import annotations

import sqlite3

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.knowledge.embeddings import E5Embeddings
from assistant.knowledge.index import KnowledgeIndex
from assistant.knowledge.seed import write_seed
from assistant.knowledge.vector_cache import SEED_FILE, VectorCache

STALE = "the shipped vector seed is stale: run `python -m assistant.knowledge.seed`"


class RefusingEmbeddings(Embeddings):
    """A stand-in for the default model (its name, not its weights) that fails if asked to embed anything."""

    model_name = E5Embeddings.model_name

    def embed_documents(self, texts):
        raise AssertionError(f"{STALE} (asked for {len(texts)} passages, e.g. {texts[0][:40]!r})")

    def embed_query(self, text):
        raise AssertionError(f"{STALE} (asked for the query {text[:40]!r})")


def test_the_shipped_seed_holds_every_vector_a_fresh_build_of_the_shipped_corpus_needs(tmp_path):
    assert Settings().embedding_seed_file == SEED_FILE and SEED_FILE.exists()
    cache = tmp_path / "vectors.sqlite"  # a fresh machine: nothing computed yet
    index = KnowledgeIndex(Settings(data_dir=tmp_path / "data", embedding_cache_file=cache),
                           embeddings=RefusingEmbeddings())
    index.ingest([index.settings.corpus_dir], progress=False)
    assert len(index.chunks) > 0 and len(index.bank) > 1000
    with sqlite3.connect(cache) as db:  # the seeded vectors are kept in the user's cache too
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] >= len(index.bank)
    # and they are the model's: the direction e5 computes now. Builds of the engine for other CPUs differ in the
    # last digits (up to ~2e-3 per component, cosine > 0.9998); the passage prefix instead of the query one gives 0.97.
    e5 = E5Embeddings()
    assert _cosine(index.chunk_vectors[0], e5.embed_documents([index.chunks[0].index_text])[0]) > SAME_MODEL
    assert _cosine(index.bank_vectors[0], e5.embed_queries([index.bank[0].text])[0]) > SAME_MODEL
    assert _cosine(index.bank_vectors[0], e5.embed_documents([index.bank[0].text])[0]) < SAME_MODEL


SAME_MODEL = 0.999


def _cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_the_cache_takes_what_it_has_then_the_seed_then_computes_the_rest_in_one_call(tmp_path):
    def vector(text):
        return [float(len(text)), float(ord(text[0]))]

    calls = []

    def compute(texts):
        calls.append(list(texts))
        return [vector(t) for t in texts]

    first = tmp_path / "first.sqlite"
    VectorCache(first).embed("m", "passage", ["甲", "乙乙"], compute)
    seed = tmp_path / "seed.npz"
    assert write_seed(first, seed) == 2
    calls.clear()
    cache = VectorCache(tmp_path / "user.sqlite", seed)
    got = cache.embed("m", "passage", ["甲", "丙丙丙", "乙乙"], compute)
    assert got == [vector("甲"), vector("丙丙丙"), vector("乙乙")]
    assert calls == [["丙丙丙"]]  # only the text neither had, once
    assert cache.embed("m", "query", ["甲"], compute) == [vector("甲")] and calls[-1] == ["甲"]  # the side is keyed
    calls.clear()
    assert VectorCache(tmp_path / "user.sqlite").embed("m", "passage", ["甲", "丙丙丙"], compute) == [
        vector("甲"), vector("丙丙丙")]
    assert calls == []  # seeded and computed vectors were both stored in the user's cache
    assert VectorCache(None, seed).embed("m", "passage", ["乙乙"], compute) == [vector("乙乙")] and calls == []
