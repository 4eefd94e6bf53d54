"""Shared fixtures: settings in a temporary data dir and one index built over the real corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge.index import open_index

DATA = Path(__file__).parent / "data"


def make_settings(tmp: Path, **overrides) -> Settings:
    return Settings(data_dir=tmp / "data", **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """The directive indexed once for the whole session (embedded Chroma, e5 embeddings)."""
    return open_index(make_settings(tmp_path_factory.mktemp("corpus")))
