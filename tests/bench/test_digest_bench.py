"""A smoke run of bench/digest.py with a small tree-wide load on both databases, so the benchmark cannot rot."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "digest.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("digest_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_digest_bench_smoke(bench, backend, tmp_path):
    lines: list[str] = []
    n = 3000 + (1 if backend == "postgresql" else 0)  # its own PostgreSQL schema, apart from a real run's
    try:
        first = bench.run_backend(backend, n, tmp_path, repeat=1, fresh=True, say=lines.append)
        again = bench.run_backend(backend, n, tmp_path, repeat=1, say=lines.append)
    finally:
        if backend == "postgresql":
            bench.drop_schema(n)
    assert first.startswith(f"RESULT backend={backend} needs={n} district_s=") and "community_s=" in first
    assert any(line.startswith("loaded 21111 units") for line in lines)
    assert any("宣州区 工作简报" in line and "【诉求】新增" in line for line in lines)
    assert f"{backend}: reusing the generated database with {n} needs" in lines and again.startswith("RESULT")
