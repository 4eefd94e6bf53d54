"""Locks: a long CLI read running while the bot writes (issue 14, item 4), on SQLite and on PostgreSQL.

usage: python bench/locks.py [--backend sqlite|postgresql|both] [--needs 10000] [--updates 2000]

Setup (not timed): a fresh database (SQLite file bench/out/locks/sqlite/assistant.db, or a PostgreSQL schema
`bench_locks_…` on $ASSISTANT_BENCH_POSTGRES_URL / $ASSISTANT_TEST_POSTGRES_URL / the machine's
postgresql+psycopg://postgres@127.0.0.1:5432/test, created and dropped by the bench), the example tree
(examples/org_example.csv), `--needs` needs (one filed through the needs domain, the rest copied in SQL) and
`--updates` invite codes.

Run: `assistant needs list --limit N --json` as a real process — the read of the issue: every need, in one
transaction, for seconds. From its start until it exits the bot (the real Application, handlers and
persistence; the Bot API answered in-process, tests/helpers/offline.py) is sent `/start CODE` updates one after
the other, each a write (the invite redeemed, the account created, the update id marked); at most `--updates`.

Counted: lost = updates without their "registered" reply or without their account row; locked = updates that
failed on "database is locked" (logged by the bot's error handler); retries = write-lock retries the storage
layer logged (a write that waited longer than one busy_timeout); cli_ok = the read exited 0 and printed every
need; slowest_update_s = the longest one update took (a write held up by the read shows here). Prints detail
lines and `RESULT backend=… needs=… updates=… lost=… locked=… retries=… read_s=… slowest_update_s=… cli_ok=…`
per backend, the last line a RESULT line. Targets: lost=0, locked=0, retries=0, cli_ok=1.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, inspect, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.messages import t  # noqa: E402
from assistant.needs.filing import NeedDraft, file_need  # noqa: E402
from assistant.org import invites  # noqa: E402
from assistant.org.people import bind_role, create_person  # noqa: E402
from assistant.org.tree import find_unit, import_org  # noqa: E402
from assistant.policies import Policies  # noqa: E402
from assistant.storage.db import Database, make_engine, open_database  # noqa: E402
from assistant.storage.models import ChannelAccount  # noqa: E402
from bench._db import scratch_schema  # noqa: E402
from tests.helpers.offline import OfflineBot  # noqa: E402

OUT = ROOT / "bench" / "out" / "locks"
TREE = ROOT / "examples" / "org_example.csv"
BIN = Path(sys.executable).parent / "assistant"
TOKEN = "123456:BENCH"
FIRST_USER = 800_000
REGISTERED = t("bot.registered", "zh", name="\0", role="\0", unit="\0").split("\0")[0]
FAILED = t("bot.error", "zh")


class LockLog(logging.Handler):
    """Counts the bot's failed updates on a locked database and the storage layer's write-lock retries."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.locked = self.retries = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (f" {record.exc_info[1]}" if record.exc_info else "")
        if "write lock busy" in text:
            self.retries += 1
        elif record.levelno >= logging.ERROR and "locked" in text:
            self.locked += 1
            if len(self.first) < 3:
                self.first.append(text[:200])


@dataclass
class Result:
    backend: str
    needs: int
    updates: int
    lost: int
    locked: int
    retries: int
    read_s: float
    slowest_update_s: float
    cli_ok: bool

    def line(self) -> str:
        return (f"RESULT backend={self.backend} needs={self.needs} updates={self.updates} lost={self.lost} "
                f"locked={self.locked} retries={self.retries} read_s={self.read_s:.1f} "
                f"slowest_update_s={self.slowest_update_s:.2f} cli_ok={int(self.cli_ok)}")


def fill(settings: Settings, n_needs: int, n_codes: int) -> list[str]:
    """`n_needs` needs (one filed, the rest copied in one INSERT … SELECT) and `n_codes` resident invite codes."""
    db = open_database(settings)
    try:
        with db.session() as s:
            leader = create_person(s, "压测楼长")
            bind_role(s, leader, "building_leader", find_unit(s, "MY01-1"))
            draft = NeedDraft(compound_id=find_unit(s, "MY01").id, building_id=find_unit(s, "MY01-1").id,
                              category="leak", description="楼上漏水到我家，天花板一直滴水", urgency="normal",
                              resident_name=None, resident_phone=None, consent=False, photo_file_id=None)
            file_need(s, Policies.load(settings).needs, leader.id, draft)
        with db.engine.begin() as connection:
            columns = [c["name"] for c in inspect(connection).get_columns("needs") if c["name"] not in ("id", "ticket")]
            connection.exec_driver_sql(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n_needs - 1}) "
                f"INSERT INTO needs (ticket, {', '.join(columns)}) "
                f"SELECT ticket || '-' || i, {', '.join(columns)} FROM needs, n")
        with db.session() as s:
            compound = find_unit(s, "MY01")
            return [invites.create_invite(s, settings, "resident", compound).code for _ in range(n_codes)]
    finally:
        db.dispose()


def run_backend(backend: str, url: str, data_dir: Path, n_needs: int, n_updates: int, say=print) -> Result:
    """The bench on a database at `url` holding the example tree and nothing else."""
    settings = Settings(data_dir=data_dir, DATABASE_URL=url, telegram_bot_token=TOKEN)
    started = time.perf_counter()
    codes = fill(settings, n_needs, n_updates)
    say(f"{backend}: setup {time.perf_counter() - started:.1f}s ({n_needs} needs, {len(codes)} invite codes)")
    log = LockLog()
    logging.getLogger().addHandler(log)
    answered: dict[int, str] = {}
    slowest = 0.0
    try:
        with OfflineBot(settings) as bot:
            env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "DATABASE_URL": url}
            read_started = time.perf_counter()
            cli = subprocess.Popen([str(BIN), "needs", "list", "--limit", str(n_needs + 10), "--json"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            out: list[str] = []
            reader = _drain(cli, out)
            for n, code in enumerate(codes):
                if cli.poll() is not None:
                    break
                sent = time.perf_counter()
                replies = bot.send(FIRST_USER + n, f"/start {code}")
                slowest = max(slowest, time.perf_counter() - sent)
                answered[FIRST_USER + n] = replies[0] if len(replies) == 1 else " | ".join(replies)
            cli.wait()
            reader.join()
            read_s = time.perf_counter() - read_started
    finally:
        logging.getLogger().removeHandler(log)
    try:
        printed = len(json.loads(out[0]))
    except (ValueError, IndexError):
        printed = -1
    cli_ok = cli.returncode == 0 and printed == n_needs
    db = Database(make_engine(url, poolclass=NullPool))
    with db.session(read_only=True) as s:
        accounts = {int(e) for e in s.scalars(select(ChannelAccount.external_id).where(
            ChannelAccount.external_id.in_([str(u) for u in answered])))}
        total = s.scalar(select(func.count()).select_from(ChannelAccount))
    db.dispose()
    lost = sum(1 for uid, text in answered.items() if not text.startswith(REGISTERED) or uid not in accounts)
    failed = sum(1 for text in answered.values() if FAILED in text)
    say(f"{backend}: `assistant needs list --json` ran {read_s:.1f}s (exit {cli.returncode}, {printed} needs printed"
        f"{'; ' + out[1].strip()[:200] if len(out) > 1 and out[1].strip() else ''})")
    say(f"{backend}: {len(answered)} /start updates sent while it ran; answered 'registered' "
        f"{sum(1 for x in answered.values() if x.startswith(REGISTERED))}, failed replies {failed}, "
        f"accounts stored {len(accounts)} (table {total})")
    for line in log.first:
        say(f"{backend}: ! logged {line}")
    result = Result(backend, n_needs, len(answered), lost, log.locked, log.retries, read_s, slowest, cli_ok)
    say(result.line())
    return result


def _drain(proc: subprocess.Popen, out: list[str]):
    """Read the process's stdout and stderr in a thread (a full pipe would stall it)."""
    def read() -> None:
        stdout, stderr = proc.communicate()
        out.extend([stdout, stderr])

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@contextmanager
def postgres_schema():
    """The URL of a new PostgreSQL schema with the example tree, dropped afterwards."""
    with scratch_schema("bench_locks") as url:
        yield url


def with_tree(url: str, data_dir: Path) -> None:
    db = open_database(Settings(data_dir=data_dir, DATABASE_URL=url))
    try:
        import_org(db, TREE)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--needs", type=int, default=10_000, help="needs the CLI reads (default 10,000)")
    parser.add_argument("--updates", type=int, default=2_000, help="most /start updates sent during the read")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.backend in ("sqlite", "both"):
        base = OUT / "sqlite"
        shutil.rmtree(base, ignore_errors=True)
        url = f"sqlite:///{base / 'assistant.db'}"
        with_tree(url, base / "data")
        run_backend("sqlite", url, base / "data", args.needs, args.updates)
    if args.backend in ("postgresql", "both"):
        with postgres_schema() as url:
            with_tree(url, OUT / "postgresql" / "data")
            run_backend("postgresql", url, OUT / "postgresql" / "data", args.needs, args.updates)


if __name__ == "__main__":
    main()
