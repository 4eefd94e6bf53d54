"""Faults the bot must survive. Each section is a function returning a dict of counters; the last line
merges them (counters with the same name are added):
`RESULT scope_breaches=… pii_leaks=… unhandled=… lost=… duplicated=…`.

usage: python bench/faults.py [--section kill|scope|pii|fuzz] [--backend sqlite|postgresql|both] [--users 100]
       [--fuzz 2000] [--pii-fuzz 600]

Every section runs on a fresh SQLite file under bench/out/faults/ and a fresh PostgreSQL schema
(ASSISTANT_BENCH_POSTGRES_URL / ASSISTANT_TEST_POSTGRES_URL / the machine's postgres@127.0.0.1:5432/test),
counts added.

Sections (a new one is a function `name(args) -> dict[str, int]` and an entry in SECTIONS):

kill  `assistant run` as a real process polling the Bot API emulator (tests/helpers/emulator.py), users
      filling /need and /checkin, each stopped at another step; kill -9 the moment the last of them has its
      reply, start again, everyone carries on from the last question seen (tests/helpers/crash.py). lost =
      users whose need or check-in is not stored exactly once with what they answered (a user the bot stops
      answering gives up and counts here), duplicated = rows beyond the first.
scope the permission matrix (tests/handlers/test_permission_matrix.py) with more forged buttons per step and
      more branches walked than the test: scope_breaches = actions outside the actor's subtree allowed, and
      replies showing another unit's residents or phones.
pii   the personal-data scenario (tests/handlers/test_personal_data.py), then fuzzed updates (tests/helpers/fuzz.py)
      from a resident and a stranger, who have no business seeing any of its numbers: pii_leaks = (recipient,
      number) pairs shown in full to someone who may not see them, plus numbers in full in the log file.
fuzz  random updates mid-conversation in every conversation (bench/fuzz.py runs 10,000): unhandled = exceptions
      that reached the error handler (not a refusal).
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.index import open_index  # noqa: E402
from assistant.org.tree import import_org  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from assistant.storage.db import Database, make_engine, upgrade  # noqa: E402
from assistant.logs import configure_logging  # noqa: E402
from tests.handlers import test_permission_matrix as matrix_test  # noqa: E402
from tests.handlers import test_personal_data as pii_test  # noqa: E402
from bench._db import scratch_schema  # noqa: E402
from tests.helpers import crash  # noqa: E402
from tests.helpers import scope as scope_world  # noqa: E402
from tests.helpers.emulator import TelegramEmulator  # noqa: E402
from tests.helpers.fuzz import Fuzzer  # noqa: E402
from tests.helpers.offline import OfflineBot  # noqa: E402

OUT = ROOT / "bench" / "out" / "faults"
TREE = ROOT / "examples" / "org_example.csv"


@contextlib.contextmanager
def fresh_database(backend: str, out: Path = OUT):
    """The URL of an empty database: a new SQLite file under `out`, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        path = out / "sqlite" / "assistant.db"
        shutil.rmtree(path.parent, ignore_errors=True)
        path.parent.mkdir(parents=True)
        yield f"sqlite:///{path}"
        return
    with scratch_schema("bench_faults") as url:
        yield url


@contextlib.contextmanager
def bot_on_fresh_database(backend: str, data_dir: Path, **settings):
    """An offline bot (tests/helpers/offline.py) on a fresh database of `backend` with the example tree; its db."""
    with fresh_database(backend) as url:
        upgrade(url)
        db = Database(make_engine(url, poolclass=NullPool))
        try:
            import_org(db, TREE)
            config = Settings(data_dir=data_dir, DATABASE_URL=url, telegram_bot_token="123456:TEST", **settings)
            with OfflineBot(config, rate_limit=False) as bot:
                for job in bot.app.job_queue.jobs():  # nothing runs behind the probes' back
                    job.schedule_removal()
                yield bot, db, config
        finally:
            db.dispose()


def _index() -> Path:
    data_dir = OUT / "data"
    open_index(Settings(data_dir=data_dir), progress=False)  # built here, not inside a bot's first answer
    return data_dir


def scope(args) -> dict[str, int]:
    """The permission matrix, bigger than the test's (module docstring)."""
    matrix_test.FORGED_PER_STEP, matrix_test.MAX_BRANCHES = args.forged_per_step, 3
    breaches = 0
    for backend in args.backends:
        with bot_on_fresh_database(backend, _index()) as (bot, db, _):
            inside, outside, _ = scope_world.build(db)
            matrix_test.seed_through_the_bot(bot, inside, "梅园新村")
            matrix_test.seed_through_the_bot(bot, outside, "外区新村")
            matrix = matrix_test.Matrix(bot, inside, outside)
            for role in scope_world.ROLES:
                chat, person = inside.actors[role]
                matrix.role(role, chat, person)
            matrix.role("unregistered", matrix_test.UNREGISTERED, None)
        print(f"scope {backend}: {len(matrix.breaches)} breaches")
        for breach in matrix.breaches[:10]:
            print(f"scope {backend}: ! {breach[:300]}")
        breaches += len(matrix.breaches)
    return {"scope_breaches": breaches}


def pii(args) -> dict[str, int]:
    """The personal-data scenario, then fuzzing by people who may see none of its numbers (module docstring)."""
    leaks = 0
    for backend in args.backends:
        log = OUT / f"{backend}.pii.log"
        log.unlink(missing_ok=True)
        with bot_on_fresh_database(backend, _index(), log_file=log, log_level="DEBUG") as (bot, db, config):
            handler = configure_logging(config)
            try:
                pii_test.run_scenario(bot, config, db)
                fuzzer = Fuzzer(bot, [pii_test.PARTY], seed=args.seed)
                fuzzer.run(args.pii_fuzz)
            finally:
                logging.getLogger().removeHandler(handler)
                handler.close()
            found = pii_test.leaks_in(bot.request.sent)
        logged = pii_test.full_numbers([log.read_text(encoding="utf-8")])
        print(f"pii {backend}: {len(found)} numbers shown to someone who may not see them, {len(logged)} in the log")
        for chat, number in found[:10]:
            print(f"pii {backend}: ! chat {chat} saw {number}")
        leaks += len(found) + len(logged)
    return {"pii_leaks": leaks}


def fuzz_run(backend: str, updates: int, seed: int) -> Counter:
    """`updates` fuzzed updates from every role of the example district and a stranger, on a fresh database;
    the counts (tests/helpers/fuzz.py), with each problem's first examples printed."""
    started = time.perf_counter()
    with bot_on_fresh_database(backend, _index()) as (bot, db, _):
        inside, _, _ = scope_world.build(db)
        fuzzer = Fuzzer(bot, sorted(inside.all_chats), seed=seed)
        counts = fuzzer.run(updates)
    print(f"fuzz {backend}: " + " ".join(f"{k}={v}" for k, v in counts.items())
          + f" seconds={time.perf_counter() - started:.0f}")
    for kind, examples in fuzzer.problems.items():
        for example in examples:
            print(f"fuzz {backend}: ! {kind}: {example}")
    return counts


def fuzz(args) -> dict[str, int]:
    """Random updates mid-conversation in every conversation (tests/helpers/fuzz.py)."""
    return {"unhandled": sum(fuzz_run(backend, args.fuzz, args.seed)["unhandled"] for backend in args.backends)}


def kill(args) -> dict[str, int]:
    """kill -9 with users in the middle of forms (module docstring)."""
    data_dir = _index()
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
    "scope": scope,
    "pii": pii,
    "fuzz": fuzz,
    "kill": kill,
}
ORDER = ("scope_breaches", "pii_leaks", "unhandled", "lost", "duplicated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", action="append", choices=list(SECTIONS), help="default: all")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--users", type=int, default=100, help="kill: users in the middle of a form")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="kill: the bot's poll interval (s)")
    parser.add_argument("--fuzz", type=int, default=2000, help="fuzz: updates per database")
    parser.add_argument("--pii-fuzz", type=int, default=600, help="pii: fuzzed updates after the scenario")
    parser.add_argument("--forged-per-step", type=int, default=8, help="scope: forged buttons pressed per step")
    parser.add_argument("--seed", type=int, default=14, help="fuzz, pii: the random seed")
    args = parser.parse_args()
    args.backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    merged: Counter = Counter()
    for name in args.section or list(SECTIONS):
        merged.update(SECTIONS[name](args))
    keys = [k for k in ORDER if k in merged] + [k for k in merged if k not in ORDER]
    print("RESULT " + " ".join(f"{key}={merged[key]}" for key in keys))


if __name__ == "__main__":
    main()
