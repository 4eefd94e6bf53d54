"""Property-company ratings at district scale: the SQL-aggregated `ratings()` over many evaluations.

usage: python bench/ratings_scale.py [--backend sqlite|postgresql|both] [--streets 5] [--communities 10]
                                     [--compounds 10] [--evaluators 4]

Setup (not timed): a fresh database (SQLite in a temporary folder, or a PostgreSQL schema on
$ASSISTANT_TEST_POSTGRES_URL / the machine's postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped
afterwards), a synthetic district (streets × communities × compounds), one company contract per compound and
`evaluators` current evaluations per compound (plus one superseded version each) for one period.
Timed: `ratings(session, district, period)` (whole district, street and district ranks) and the same for one
street, median of 7 runs each. Prints `RESULT backend=… compounds=… evaluations=… district_ms=… street_ms=…`.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.policy.rubric import load_rubric
from assistant.property.ratings import ratings
from assistant.storage.db import Database, upgrade
from assistant.storage.models import Evaluation, OrgUnit, Person, PropertyCompany
from bench._db import scratch_schema

PERIOD, NOW = "2026H2", datetime(2026, 11, 26, tzinfo=UTC)


def unit(session, name: str, level: str, parent: OrgUnit | None) -> OrgUnit:
    u = OrgUnit(name=name, level=level, parent_id=parent.id if parent else None)
    session.add(u)
    session.flush()
    u.path = f"{parent.path if parent else '/'}{u.id}/"
    return u


def fill(db: Database, args, rng: random.Random) -> tuple[int, int, int, int]:
    sources = {"party_org": ("street", "community", "branch_secretary"), "owners": ("owners_committee",)}
    with db.session() as s:
        district = unit(s, "区", "district", None)
        people = [Person(name=f"评价人{i}") for i in range(args.evaluators)]
        s.add_all(people)
        s.flush()
        compounds, first_street = 0, None
        for a in range(args.streets):
            street = unit(s, f"街道{a}", "street", district)
            first_street = first_street or street
            for b in range(args.communities):
                community = unit(s, f"社区{a}-{b}", "community", street)
                for c in range(args.compounds):
                    compound = unit(s, f"小区{a}-{b}-{c}", "compound", community)
                    company = PropertyCompany(name=f"物业{a}-{b}-{c}")
                    s.add(company)
                    s.flush()
                    compounds += 1
                    for k, person in enumerate(people):
                        source = "owners" if k == len(people) - 1 else "party_org"
                        for version in (1, 2):
                            s.add(Evaluation(company_id=company.id, compound_id=compound.id, period=PERIOD,
                                             evaluator_id=person.id, role=sources[source][0], source=source,
                                             version=version, current=version == 2,
                                             party_score=rng.randint(50, 100), service_score=rng.randint(50, 100),
                                             vetoed=rng.random() < 0.02, submitted_at=NOW))
                s.flush()
        return district.id, first_street.id, compounds, compounds * len(people)


def timed(db: Database, rubric, unit_id: int) -> tuple[float, int]:
    runs, count = [], 0
    for _ in range(7):
        with db.session() as s:
            start = time.perf_counter()
            count = len(ratings(s, unit_id, PERIOD, rubric))
            runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), count


def run(backend: str, args) -> str:
    rubric, rng = load_rubric(), random.Random(1)
    with ExitStack() as stack:
        url = (f"sqlite:///{tempfile.mkdtemp(prefix='ratings_bench_')}/bench.db" if backend == "sqlite" else
               stack.enter_context(scratch_schema("bench_ratings")))
        upgrade(url)
        db = Database.from_url(url)
        district, street, compounds, evaluations = fill(db, args, rng)
        district_ms, rows = timed(db, rubric, district)
        street_ms, _ = timed(db, rubric, street)
        db.dispose()
        assert rows == compounds, (rows, compounds)
        return (f"RESULT backend={backend} compounds={compounds} evaluations={evaluations} "
                f"district_ms={district_ms:.1f} street_ms={street_ms:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--streets", type=int, default=5)
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--compounds", type=int, default=10)
    parser.add_argument("--evaluators", type=int, default=4)
    args = parser.parse_args()
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        print(run(backend, args), flush=True)


if __name__ == "__main__":
    main()
