"""Faults the bot must survive. Each section is a function returning a dict of counters; the last line
merges them (counters with the same name are added): `RESULT lost=… duplicated=…`.

usage: python bench/faults.py [--section kill] [--backend sqlite|postgresql|both] [--users 100]

Sections (a new one is a function `name(args) -> dict[str, int]` and an entry in SECTIONS):

kill  `assistant run` as a real process polling the Bot API emulator (tests/helpers/emulator.py), users
      filling /need and /checkin, each stopped at another step; kill -9 the moment the last of them has its
      reply, start again, everyone carries on from the last question seen (tests/helpers/crash.py). lost =
      users whose need or check-in is not stored exactly once with what they answered (a user the bot stops
      answering gives up and counts here), duplicated = rows beyond the first. On a fresh SQLite file under
      bench/out/faults/ and a fresh PostgreSQL schema (ASSISTANT_BENCH_POSTGRES_URL /
      ASSISTANT_TEST_POSTGRES_URL / the machine's postgres@127.0.0.1:5432/test), counts added.
"""
from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.index import open_index  # noqa: E402
from assistant.org.tree import import_org  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from assistant.storage.db import Database, make_engine, upgrade  # noqa: E402
from bench._db import scratch_schema  # noqa: E402
from tests.helpers import crash  # noqa: E402
from tests.helpers.emulator import TelegramEmulator  # noqa: E402

OUT = ROOT / "bench" / "out" / "faults"
TREE = ROOT / "examples" / "org_example.csv"


@contextlib.contextmanager
def fresh_database(backend: str):
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        path = OUT / "sqlite" / "assistant.db"
        shutil.rmtree(path.parent, ignore_errors=True)
        path.parent.mkdir(parents=True)
        yield f"sqlite:///{path}"
        return
    with scratch_schema("bench_faults") as url:
        yield url


def kill(args) -> dict[str, int]:
    """kill -9 with users in the middle of forms (module docstring)."""
    data_dir = OUT / "data"
    open_index(Settings(data_dir=data_dir), progress=False)  # built here, not inside the bot's first start
    totals: Counter = Counter()
    with TelegramEmulator() as emu:
        for backend in args.backends:
            with fresh_database(backend) as url:
                upgrade(url)
                db = Database(make_engine(url, poolclass=NullPool))
                try:
                    import_org(db, TREE)
                    log = OUT / f"{backend}.log"
                    log.unlink(missing_ok=True)
                    env = crash.bot_env(emu, url, data_dir, OUT / f"{backend}.assistant.log", args.poll_interval)
                    counts = crash.run(emu, db, env, log, args.users)
                finally:
                    db.dispose()
            print(f"kill {backend}: {counts['users']} users, lost={counts['lost']} duplicated={counts['duplicated']}; "
                  f"question asked again after the restart (update handled again) for {counts['replayed']}, "
                  f"users who answered a step twice {counts['asked_again']}; exit code {counts['exit_code']}; "
                  f"seconds {counts['seconds']}")
            for problem in counts["problems"]:
                print(f"kill {backend}: ! {problem}")
            totals.update(lost=counts["lost"], duplicated=counts["duplicated"])
    return dict(totals)


SECTIONS = {
    "kill": kill,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", action="append", choices=list(SECTIONS), help="default: all")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--users", type=int, default=100, help="kill: users in the middle of a form")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="kill: the bot's poll interval (s)")
    args = parser.parse_args()
    args.backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    merged: Counter = Counter()
    for name in args.section or list(SECTIONS):
        merged.update(SECTIONS[name](args))
    print("RESULT " + " ".join(f"{key}={value}" for key, value in merged.items()))


if __name__ == "__main__":
    main()
