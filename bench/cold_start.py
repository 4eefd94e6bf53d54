"""Cold-process timings, as a user meets them on a fresh machine (an empty vector cache): ingest of the corpus
from nothing, then `assistant ask`; and, as the baseline, the same ingest without the shipped vector seed.

usage: python bench/cold_start.py [--runs N]
Prints `RESULT ingest_s=… cold_ask_s=… cold_ask_max_s=… runs=… baseline_no_seed_ingest_s=…` last
(targets: ingest ≤ 5 s, ask ≤ 3 s).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "assistant"


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN), *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(Path(tmp) / "data"),
               "ASSISTANT_EMBEDDING_CACHE_FILE": str(Path(tmp) / "vectors.sqlite")}
        ingest_s = timed(["ingest"], env)
        asks = [timed(["ask", "--json", "小区党支部设几名委员？"], env) for _ in range(args.runs)]
        baseline = {**env, "ASSISTANT_DATA_DIR": str(Path(tmp) / "baseline"), "ASSISTANT_EMBEDDING_SEED_FILE": "",
                    "ASSISTANT_EMBEDDING_CACHE_FILE": str(Path(tmp) / "baseline.sqlite")}
        baseline_s = timed(["ingest"], baseline)
    print(f"RESULT ingest_s={ingest_s:.2f} cold_ask_s={statistics.median(asks):.2f} "
          f"cold_ask_max_s={max(asks):.2f} runs={args.runs} baseline_no_seed_ingest_s={baseline_s:.2f}")


if __name__ == "__main__":
    main()
