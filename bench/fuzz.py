"""Fuzz the bot (issue 14): 10,000 random updates per database (tests/helpers/fuzz.py: junk texts, forged
callbacks, commands with junk arguments, photos, stickers, edited messages, channel posts) sent mid-conversation
in every conversation through the offline bot, by every role of the example district and a stranger, on a fresh
SQLite file and a fresh PostgreSQL schema (bench/faults.py's). The counts are added over both databases:

    RESULT updates=… unhandled=… too_long=… bad_html=… too_many_buttons=…

usage: python bench/fuzz.py [--updates 10000] [--backend sqlite|postgresql|both] [--seed 14]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.faults import fuzz_run  # noqa: E402

KINDS = ("updates", "unhandled", "too_long", "bad_html", "too_many_buttons")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000, help="per database")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    total: Counter = Counter()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        counts = fuzz_run(backend, args.updates, args.seed)
        total.update({k: counts[k] for k in KINDS})
    print("RESULT " + " ".join(f"{k}={total[k]}" for k in KINDS))


if __name__ == "__main__":
    main()
