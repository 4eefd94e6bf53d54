"""Cold-process timings, as a user meets them: ingest of the corpus from nothing, then `assistant ask`.

usage: python bench/cold_start.py [--runs N]
Prints `RESULT ingest_s=… cold_ask_s=… cold_ask_max_s=… runs=…` last (targets: ingest ≤ 5 s, ask ≤ 3 s).
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
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(Path(tmp) / "data")}
        ingest_s = timed(["ingest"], env)
        asks = [timed(["ask", "--json", "小区党支部设几名委员？"], env) for _ in range(args.runs)]
    print(f"RESULT ingest_s={ingest_s:.2f} cold_ask_s={statistics.median(asks):.2f} "
          f"cold_ask_max_s={max(asks):.2f} runs={args.runs}")


if __name__ == "__main__":
    main()
