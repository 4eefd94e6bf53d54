"""Digest speed on a district-sized database: a district digest and a community digest over 1,000,000 needs.

usage: python bench/digest.py [--backend sqlite|postgresql|both] [--needs 1000000] [--period week]
                              [--repeat 3] [--out bench/out/digest] [--fresh]

Setup (not timed, reused when present with the same --needs): the tree of 1 district, 10 streets,
100 communities, 1,000 compounds and 20,000 buildings; N needs over the 365 days before a fixed "now"
(2026-11-26 14:00 Shanghai) with their events (filed, accepted, resolved), an escalation for each missed
accept deadline, and return visits (half of the resolved); acceptance takes ~1 h (urgent) / ~6 h (normal)
on average and resolution ~12 h / ~48 h (exponential), 1 % are never accepted and 2 % never resolved, in bulk (SQLite: executemany in 50,000-row batches with synchronous=OFF;
PostgreSQL: COPY), the secondary indexes built after loading. SQLite lives in
bench/out/digest/sqlite-N.db; PostgreSQL in the schema `bench_digest_N` of $ASSISTANT_BENCH_POSTGRES_URL /
$ASSISTANT_TEST_POSTGRES_URL / the machine's postgresql+psycopg://postgres@127.0.0.1:5432/test (tests use
their own schemas, so they never collide with it).

Timed: `services.digest.build` + render for the district and for one community (the one with the most
needs; each street's secretary is recorded so the compliance section runs too), --repeat times each on a warm connection; the median is reported.
Prints `RESULT backend=… needs=… district_s=… community_s=…` per backend (targets: district ≤ 2 s on
PostgreSQL and ≤ 4 s on SQLite, community ≤ 0.2 s, on the 2-core machine).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from assistant.digest import build as digest_build
from assistant.digest import context as digests
from assistant.needs.freetext import load_rules
from assistant.policies import Policies
from assistant.policy import load_needs_policy
from assistant.policy.loader import load_party_policy
from assistant.policy.rubric import load_rubric
from assistant.storage import kv
from assistant.storage.db import Database, make_engine, upgrade
from assistant.storage.models import Base, CommitteeSeat, Need, OrgUnit, Person
from bench._db import create_schema
from bench._db import drop_schema as drop_pg_schema

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SHAPE = (10, 10, 10, 20)  # streets per district, communities per street, compounds per community, buildings per compound
BATCH = 50_000
VERSION = 3  # of the generator: a database made by another version is regenerated (3: evaluation tables)
LOADED = ("needs", "need_events", "escalations", "return_visits")
FILLED = ("org_units", "persons", *LOADED)  # every table the generator writes


def tree_rows() -> list[tuple]:
    """(id, name, level, parent_id, path) of the whole tree, ids assigned top-down."""
    rows, ids = [(1, "宣州区", "district", None, "/1/")], iter(range(2, 10**7))
    parents = [(1, "/1/")]
    for level, n in zip(("street", "community", "compound", "building"), SHAPE):
        nxt = []
        for pid, path in parents:
            for i in range(n):
                uid = next(ids)
                rows.append((uid, f"{level}-{uid}", level, pid, f"{path}{uid}/"))
                nxt.append((uid, f"{path}{uid}/"))
        parents = nxt
    return rows


def generate(n: int, units: list[tuple], categories: list[str], seed: int = 7):
    """Yield (need, events, escalation, visit) row tuples; times as aware datetimes."""
    rng = random.Random(seed)
    compounds = [u for u in units if u[2] == "compound"]
    buildings: dict[int, list[int]] = {}
    for u in units:
        if u[2] == "building":
            buildings.setdefault(u[3], []).append(u[0])
    community_of = {u[0]: u[3] for u in compounds}
    weights = [1 + (i % 7) for i in range(len(compounds))]  # some compounds busier than others
    picks = rng.choices(compounds, weights=weights, k=n)
    span = 365 * 86400
    for i, compound in enumerate(picks, start=1):
        created = NOW - timedelta(seconds=int(span * rng.random() ** 1.3))
        urgent = rng.random() < 0.1
        accept_due = created + timedelta(hours=2 if urgent else 24)
        resolve_due = created + timedelta(hours=24 if urgent else 168)
        # accepted after ~1 h (urgent) / ~6 h (normal) on average, 1 % never; resolved ~12 h / ~48 h later, 2 % never
        accepted = created + timedelta(hours=rng.expovariate(1.0 if urgent else 1 / 6)) if rng.random() < 0.99 else None
        accepted = accepted if accepted and accepted < NOW else None
        resolved = accepted + timedelta(hours=rng.expovariate(1 / 12 if urgent else 1 / 48)) \
            if accepted and rng.random() < 0.98 else None
        resolved = resolved if resolved and resolved < NOW else None
        status = ("closed" if rng.random() < 0.8 else "resolved") if resolved else (
            ("in_progress" if rng.random() < 0.5 else "accepted") if accepted else "new")
        building = rng.choice(buildings[compound[0]])
        escalated = accept_due < NOW and (accepted is None or accepted > accept_due)
        level = community_of[compound[0]] if escalated else compound[0]
        need = (i, f"B{i:08d}", compound[0], building, level, rng.choice(categories), "电梯故障，请尽快处理",
                "urgent" if urgent else "normal", status, 1, created, accept_due, resolve_due, accepted, resolved,
                created)
        events = [(i, "filed", created)] + ([(i, "accepted", accepted)] if accepted else []) + (
            [(i, "resolved", resolved)] if resolved else [])
        escalation = (i, "accept", accept_due, compound[0], level, accept_due + timedelta(minutes=5)) \
            if escalated else None
        visit = (i, rng.choices(("satisfied", "basically", "unsatisfied"), (70, 20, 10))[0],
                 resolved + timedelta(hours=rng.uniform(1, 48))) if resolved and rng.random() < 0.5 else None
        if visit and visit[2] >= NOW:
            visit = None
        yield need, events, escalation, visit


NEED_COLS = ("id", "ticket", "compound_id", "building_id", "level_unit_id", "category", "description", "urgency",
             "status", "submitter_id", "created_at", "accept_due_at", "resolve_due_at", "accepted_at", "resolved_at",
             "updated_at")


def _sqlite_time(value):
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Loader:
    """Bulk writes for one backend."""

    def __init__(self, engine) -> None:
        self.engine, self.pg = engine, engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.buffers: dict[str, list[tuple]] = {}
        if not self.pg:
            self.raw.execute("PRAGMA synchronous=OFF")
            self.raw.execute("PRAGMA journal_mode=OFF")
            self.raw.execute("PRAGMA foreign_keys=OFF")  # rows arrive parents first anyway

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        buffer = self.buffers.setdefault((table, columns), [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush_all()

    def flush_all(self) -> None:
        """Every buffer, parents before children (foreign keys)."""
        for table, columns in sorted(self.buffers, key=lambda key: FILLED.index(key[0])):
            self.flush(table, columns)

    def flush(self, table: str, columns: tuple[str, ...]) -> None:
        rows = self.buffers.pop((table, columns), [])
        if not rows:
            return
        cursor = self.raw.cursor()
        if self.pg:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                               [tuple(_sqlite_time(v) if isinstance(v, datetime) else v for v in r) for r in rows])

    def close(self) -> None:
        self.flush_all()
        self.raw.commit()
        self.raw.close()


def populate(url: str, n: int, say) -> None:
    """Create the schema and load the tree and N needs with their history (indexes built afterwards)."""
    upgrade(url)
    engine = make_engine(url, poolclass=NullPool)
    indexes = [ix for name in LOADED for ix in Base.metadata.tables[name].indexes]
    with engine.begin() as connection:
        for ix in indexes:
            ix.drop(connection, checkfirst=True)
    started = time.perf_counter()
    units = tree_rows()
    categories = [c.id for c in load_needs_policy().categories]
    loader = Loader(engine)
    now = NOW
    for uid, name, level, parent, path in units:
        loader.add("org_units", ("id", "name", "level", "parent_id", "path", "created_at"),
                   (uid, name, level, parent, path, now))
    loader.add("persons", ("id", "name", "party_member", "created_at"), (1, "居民", False, now))
    loader.flush("org_units", ("id", "name", "level", "parent_id", "path", "created_at"))
    loader.flush("persons", ("id", "name", "party_member", "created_at"))
    event_id = 0
    for need, events, escalation, visit in generate(n, units, categories):
        loader.add("needs", NEED_COLS + ("consent",), need + (False,))
        for need_id, kind, at in events:
            event_id += 1
            loader.add("need_events", ("id", "need_id", "kind", "actor_id", "at"), (event_id, need_id, kind, 1, at))
        if escalation:
            loader.add("escalations", ("need_id", "deadline_kind", "deadline_at", "from_unit_id", "to_unit_id", "at"),
                       escalation)
        if visit:
            loader.add("return_visits", ("need_id", "contacted", "solved", "satisfaction", "at"),
                       (visit[0], True, True, visit[1], visit[2]))
    loader.close()
    say(f"loaded {len(units)} units, {n} needs, {event_id} events in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.begin() as connection:
        for ix in indexes:
            ix.create(connection)
        # the loaded tables only: a bare ANALYZE on PostgreSQL takes a lock on every table of every schema in the
        # database (other test runs' schemas too) and can run out of lock slots
        connection.execute(text(f"ANALYZE {', '.join(FILLED)}" if engine.dialect.name == "postgresql" else "ANALYZE"))
        if engine.dialect.name == "postgresql":
            for table in FILLED:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    say(f"indexes built in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    with Database.from_url(url).session() as s:
        kv.put(s, "bench", "digest", {"version": VERSION, "needs": n})


def ready(db: Database, n: int) -> bool:
    """A complete database of this generator version with n needs (the marker is written last)."""
    try:
        with db.session() as s:
            return kv.get(s, "bench", "digest") == {"version": VERSION, "needs": n}
    except Exception:  # noqa: BLE001  (no schema yet)
        return False


def seat_committees(db: Database) -> None:
    """Record each street's secretary (once), so the digests' compliance section runs as in a real district."""
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(CommitteeSeat)):
            return
        for street in s.scalars(select(OrgUnit).where(OrgUnit.level == "street")):
            person = Person(name=f"{street.name} 书记")
            s.add(person)
            s.flush()
            s.add(CommitteeSeat(unit_id=street.id, person_id=person.id, organ="street_committee", position="secretary"))


def timed(db: Database, unit_id: int, period: str, repeat: int, policy, party) -> tuple[float, str]:
    times, text_out = [], ""
    for _ in range(repeat):
        with db.session() as s:
            started = time.perf_counter()
            d = digest_build.build(s, unit_id, period, NOW, Policies(policy, party, load_rubric(), load_rules()))
            text_out = digest_build.render(d, "zh", policy)
            times.append(time.perf_counter() - started)
    return statistics.median(times), text_out


def url_for(backend: str, n: int, out: Path, fresh: bool) -> str:
    if backend == "sqlite":
        path = out / f"sqlite-{n}.db"
        out.mkdir(parents=True, exist_ok=True)
        if fresh and path.exists():
            path.unlink()
        return f"sqlite:///{path}"
    return create_schema(f"bench_digest_{n}", fresh)


def drop_schema(n: int) -> None:
    """Remove the PostgreSQL schema of a generated database (the smoke test cleans up with it)."""
    drop_pg_schema(f"bench_digest_{n}")


def run_backend(backend: str, n: int, out: Path, *, period: str = "week", repeat: int = 3, fresh: bool = False,
                say=print) -> str:
    """Set up (or reuse) the database and time both digests; returns the RESULT line (also said)."""
    url = url_for(backend, n, out, fresh)
    db = Database.from_url(url)
    if not ready(db, n):
        db.dispose()
        if backend == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            url = url_for(backend, n, out, True)
        populate(url, n, say)
        db = Database.from_url(url)
    else:
        upgrade(url)  # a reused database gets the migrations written since it was generated
        say(f"{backend}: reusing the generated database with {n} needs")
    seat_committees(db)
    policy, party = load_needs_policy(), load_party_policy()
    try:
        with db.session() as s:
            district = s.scalar(select(OrgUnit.id).where(OrgUnit.level == "district"))
            busiest = s.execute(select(OrgUnit.parent_id, func.count()).join(Need, Need.compound_id == OrgUnit.id)
                                .group_by(OrgUnit.parent_id).order_by(func.count().desc()).limit(1)).first()
        district_s, district_text = timed(db, district, period, repeat, policy, party)
        community_s, community_text = timed(db, busiest[0], period, repeat, policy, party)
    finally:
        db.dispose()
    say(f"{backend} district digest ({period}), first lines:\n" + "\n".join(district_text.splitlines()[:4]))
    say(f"{backend} community digest ({period}), first lines:\n" + "\n".join(community_text.splitlines()[:2]))
    line = f"RESULT backend={backend} needs={n} district_s={district_s:.3f} community_s={community_s:.3f}"
    say(line)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--period", default="week", choices=digests.PERIODS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "digest")
    parser.add_argument("--fresh", action="store_true", help="Regenerate even when a database is present.")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        run_backend(backend, args.needs, args.out, period=args.period, repeat=args.repeat, fresh=args.fresh)


if __name__ == "__main__":
    main()
