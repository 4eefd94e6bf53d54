"""A smoke run of bench/needs_load.py with tiny numbers on both databases, so the benchmark cannot rot."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "needs_load.py"


@pytest.fixture(scope="module")
def needs_load():
    spec = importlib.util.spec_from_file_location("needs_load_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_needs_load_bench_smoke(needs_load, db_url, tmp_path):
    lines: list[str] = []
    # 4 workers: building leader, branch member, building leader, community worker (who picks the compound)
    result = needs_load.run_backend("smoke", db_url, 4, 2, tmp_path / "data", say=lines.append)
    text = "\n".join(lines)
    assert (result.filed, result.stored, result.duplicates, result.lost) == (8, 8, 0, 0), text
    assert result.updates_per_s > 0
    assert lines[-1] == result.line()
    assert lines[-1].startswith("RESULT backend=smoke workers=4 filed=8 stored=8 duplicates=0 lost=0 updates_per_s=")
    assert "second copies processed again=0; updates without answer=0; needs abandoned=0" in text
    assert "restart after" in text and "need conversations still open after the last stop=0" in text
