"""Fuzz the bot (issue 14): 10,000 random updates (tests/helpers/fuzz.py: junk texts, forged callbacks, commands
with junk arguments, photos, stickers, edited messages, channel posts) sent mid-conversation in every
conversation through the offline bot, by every role of the example district and a stranger, on a fresh SQLite
file and a fresh PostgreSQL schema. The counts are added over both databases:

    RESULT updates=… unhandled=… too_long=… bad_html=… too_many_buttons=…

usage: python bench/fuzz.py [--updates 10000] [--backend sqlite|postgresql|both] [--seed 14]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.pool import NullPool  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.index import open_index  # noqa: E402
from assistant.org.tree import import_org  # noqa: E402
from assistant.storage.db import Database, make_engine, upgrade  # noqa: E402
from bench.faults import TREE, fresh_database  # noqa: E402
from tests.helpers import scope  # noqa: E402
from tests.helpers.fuzz import Fuzzer  # noqa: E402
from tests.helpers.offline import OfflineBot  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz"
KINDS = ("updates", "unhandled", "too_long", "bad_html", "too_many_buttons")


def fuzz(backend: str, updates: int, seed: int, data_dir: Path) -> tuple[Counter, dict[str, list[str]]]:
    """Counts and example problems of one run on a fresh database of `backend`."""
    with fresh_database(backend, OUT) as url:
        upgrade(url)
        db = Database(make_engine(url, poolclass=NullPool))
        try:
            import_org(db, TREE)
            inside, _, _ = scope.build(db)
        finally:
            db.dispose()
        settings = Settings(data_dir=data_dir, DATABASE_URL=url, telegram_bot_token="123456:TEST")
        with OfflineBot(settings, rate_limit=False) as bot:
            fuzzer = Fuzzer(bot, sorted(inside.all_chats), seed=seed)
            counts = fuzzer.run(updates)
    return counts, fuzzer.problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000, help="per database")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    data_dir = OUT / "data"
    open_index(Settings(data_dir=data_dir), progress=False)
    total: Counter = Counter()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        started = time.perf_counter()
        counts, problems = fuzz(backend, args.updates, args.seed, data_dir)
        print(f"{backend}: " + " ".join(f"{k}={counts[k]}" for k in KINDS) + f" seconds={time.perf_counter() - started:.0f}")
        for kind, examples in problems.items():
            for example in examples:
                print(f"{backend}: ! {kind}: {example}")
        total.update({k: counts[k] for k in KINDS})
    print("RESULT " + " ".join(f"{k}={total[k]}" for k in KINDS))


if __name__ == "__main__":
    main()
