"""Test databases from templates migrated once per test session (once per pytest-xdist worker).

Three kinds of database, each on SQLite and PostgreSQL:
    empty    nothing in it (a missing SQLite file, a new PostgreSQL schema): the test migrates it itself
    schema   at head: the real Alembic upgrade, run once per session into the template
    org      the same with examples/org_example.csv imported (the `tree` fixture)

SQLite: the templates are files in the session's temporary dir, and a test's database is a copy of one
in its tmp_path. PostgreSQL: see PostgresTemplates (one migrated schema per worker, reset per test). All
names carry a random token of the session and the xdist worker, so parallel workers and other sessions on
the same server never meet.
"""
from __future__ import annotations

import os
import queue
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from assistant.org.tree import import_org
from assistant.storage.db import Database, make_engine, upgrade

KINDS = ("empty", "schema", "org")
# Every test connection commits without waiting for the WAL to reach the disk (synchronous_commit=off): a
# commit is as visible and as atomic as before, also to other processes and after a client is killed; only a
# crash of the PostgreSQL server itself could lose the last few, which no test does. It saves the ~3 ms fsync
# of every commit (the permission matrix, the crash and CLI tests commit thousands of times).
SYNC_OFF = "%20-csynchronous_commit%3Doff"
PREFIX = "pytest_"  # every database these fixtures create starts with it


@dataclass(frozen=True)
class Copy:
    """A test's own database: its URL and what it already holds."""
    backend: str
    url: str
    kind: str

    @property
    def migrated(self) -> bool:
        return self.kind != "empty"

    @property
    def has_org(self) -> bool:
        return self.kind == "org"


def _fill(url: str, kind: str, org_file: Path) -> None:
    """Migrate `url` (and import the org for kind "org")."""
    upgrade(url)
    if kind == "org":
        database = Database.from_url(url)
        try:
            import_org(database, org_file)
        finally:
            database.dispose()


class SQLiteTemplates:
    def __init__(self, directory: Path, org_file: Path) -> None:
        self.directory, self.org_file = directory, org_file
        self.files: dict[str, Path] = {}

    def template(self, kind: str) -> Path:
        if kind not in self.files:
            path = self.directory / f"{kind}.db"
            _fill(f"sqlite:///{path}", kind, self.org_file)
            with sqlite3.connect(path) as connection:  # everything in the main file: the copy needs no -wal
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            self.files[kind] = path
        return self.files[kind]

    def copy(self, kind: str, tmp_path: Path) -> Copy:
        target = tmp_path / "test.db"
        if kind != "empty":
            shutil.copyfile(self.template(kind), target)
        return Copy("sqlite", f"sqlite:///{target}", kind)

    def close(self) -> None:
        pass


# The catalogue rows of a schema's tables, columns, defaults and constraints with the transaction that wrote
# each (xmin): any DDL writes new rows, autovacuum and ANALYZE update in place (no new xmin).
FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT format('c%%s:%%s', c.oid, c.xmin) AS item FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace
    UNION ALL
    SELECT format('a%%s:%%s:%%s', a.attrelid, a.attnum, a.xmin)
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = %(schema)s::regnamespace AND a.attnum > 0
    UNION ALL
    SELECT format('d%%s:%%s', d.oid, d.xmin)
      FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = %(schema)s::regnamespace
    UNION ALL
    SELECT format('k%%s:%%s', oid, xmin) FROM pg_constraint WHERE connamespace = %(schema)s::regnamespace
) AS items
"""


@dataclass
class Snapshot:
    """What a migrated schema holds in one state: the tables with rows (copied into a schema of their own)
    and every sequence's position."""
    schema: str
    tables: list[str]
    sequences: list[tuple[str, int, bool]]


class PostgresTemplates:
    """PostgreSQL in the database of `admin_url`, one schema per worker migrated once and reset per test.

    DDL is what costs on PostgreSQL (a fresh schema migrated takes 1–3 s, a cloned database forces a
    checkpoint when dropped), so a test that asks for `db` or `tree` gets the worker's one migrated schema,
    reset first to the state it asks for: every table emptied (DELETE in foreign-key order), the rows of
    the state copied back from a snapshot schema, every sequence put back where it was. The test commits
    through its own engines as it likes. If a test changed the schema itself (a downgrade and upgrade),
    the catalogue's FINGERPRINT no longer matches and the schema is replaced by a newly migrated one. A test that asks only
    for `db_url` gets a new empty schema, dropped in the background afterwards.
    """

    def __init__(self, admin_url: str, org_file: Path) -> None:
        self.admin_url, self.org_file = admin_url, org_file
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.token = f"{PREFIX}{uuid.uuid4().hex[:10]}_{worker}"
        self.counter = 0
        self.work: str | None = None  # the worker's migrated schema
        self.fingerprint = ""
        self.order: list[str] = []  # its tables, parents before children
        self.snapshots: dict[str, Snapshot] = {}
        self._admin: Engine | None = None
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self._errors: list[BaseException] = []

    def url(self, schema: str) -> str:
        """The schema's URL; commits do not wait for the WAL flush (SYNC_OFF)."""
        return f"{self.admin_url}{'&' if '?' in self.admin_url else '?'}options=-csearch_path%3D{schema}{SYNC_OFF}"

    @property
    def admin(self) -> Engine:
        if self._admin is None:
            admin = f"{self.admin_url}{'&' if '?' in self.admin_url else '?'}options={SYNC_OFF.removeprefix('%20')}"
            self._admin = make_engine(admin, poolclass=NullPool)
        return self._admin

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection in a transaction (committed at the end); the test fails if PostgreSQL is not there."""
        try:
            connection = self.admin.connect()
        except OperationalError as error:
            pytest.fail(f"PostgreSQL at {self.admin_url} is unreachable (the tests need it): {error}")
        with connection, connection.begin():
            yield connection

    def _new_schema(self) -> str:
        self.counter += 1
        name = f"{self.token}_{self.counter}"
        with self._connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        return name

    # the worker's migrated schema

    def _snapshot(self, connection, kind: str) -> Snapshot:
        schema = f"{self.token}_{kind}"
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        tables = []
        for table in self.order:
            if connection.exec_driver_sql(f'SELECT EXISTS (SELECT FROM "{self.work}"."{table}")').scalar():
                connection.exec_driver_sql(
                    f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM "{self.work}"."{table}"')
                tables.append(table)
        sequences = [tuple(row) for row in connection.exec_driver_sql(
            "SELECT format('%%I.%%I', schemaname, sequencename), coalesce(last_value, start_value), "
            "last_value IS NOT NULL FROM pg_sequences WHERE schemaname = %(schema)s", {"schema": self.work})]
        return Snapshot(schema, tables, sequences)

    def _migrate(self) -> None:
        """A new worker schema: the real Alembic upgrade, then the org imported, a snapshot after each."""
        if self.work is not None:
            self._drops.put(self.work)
        self.work = self._new_schema()
        upgrade(self.url(self.work))
        with self._connect() as connection:
            self.order = _parents_first(connection, self.work)
            self.fingerprint = connection.exec_driver_sql(FINGERPRINT, {"schema": self.work}).scalar()
            self.snapshots["schema"] = self._snapshot(connection, "schema")
        database = Database(make_engine(self.url(self.work), poolclass=NullPool))
        try:
            import_org(database, self.org_file)
        finally:
            database.dispose()
        with self._connect() as connection:
            self.snapshots["org"] = self._snapshot(connection, "org")

    def _reset(self, kind: str) -> bool:
        """Put the worker schema back into the state `kind`; False if its schema is no longer the template's."""
        snapshot = self.snapshots[kind]
        work = self.work
        statements = ["SET LOCAL lock_timeout = '10s'"]
        statements += [f'DELETE FROM "{work}"."{table}"' for table in reversed(self.order)]
        statements += [f'INSERT INTO "{work}"."{table}" SELECT * FROM "{snapshot.schema}"."{table}"'
                       for table in snapshot.tables]
        if snapshot.sequences:
            statements.append("SELECT " + ", ".join(f"setval('{sequence}', {value}, {str(called).lower()})"
                                                    for sequence, value, called in snapshot.sequences))
        with self._connect() as connection:
            if connection.exec_driver_sql(FINGERPRINT, {"schema": work}).scalar() != self.fingerprint:
                return False
            connection.exec_driver_sql(";\n".join(statements))  # one round trip
        return True

    # per test

    def copy(self, kind: str) -> Copy:
        if kind == "empty":
            return Copy("postgresql", self.url(self._new_schema()), kind)
        if self.work is None or not self._reset(kind):
            self._migrate()
            if not self._reset(kind):
                raise RuntimeError(f"the migrated schema {self.work} does not reset to its own snapshot")
        return Copy("postgresql", self.url(self.work), kind)

    def release(self, copy: Copy) -> None:
        """Drop a test's empty schema in the background (the worker schema stays for the next test)."""
        if copy.kind != "empty":
            return
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_loop, name="drop-test-schemas", daemon=True)
            self._dropper.start()
        self._drops.put(copy.url.rsplit("%3D", 1)[1])

    def _drop(self, schema: str) -> None:
        with self._connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def _drop_loop(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                self._drop(name)
            except BaseException as error:  # noqa: BLE001 — reported at the end of the session
                self._errors.append(error)

    def close(self) -> None:
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join()
        while not self._drops.empty():  # the old worker schemas queued without a dropper
            if (name := self._drops.get()) is not None:
                self._drop(name)
        for schema in [self.work] + [s.schema for s in self.snapshots.values()]:
            if schema is not None:
                self._drop(schema)
        if self._admin is not None:
            self._admin.dispose()
        if self._errors:
            raise RuntimeError(f"could not drop {len(self._errors)} test schema(s): {self._errors[0]}")


def _parents_first(connection, schema: str) -> list[str]:
    """The schema's tables, each after the tables its foreign keys point to."""
    tables = [row[0] for row in connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = %(schema)s ORDER BY tablename", {"schema": schema})]
    parents: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in connection.exec_driver_sql(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.connamespace = %(schema)s::regnamespace", {"schema": schema}):
        child, parent = (name.rsplit(".", 1)[-1].strip('"') for name in (child, parent))
        if child != parent:
            parents[child].add(parent)
    order: list[str] = []
    while parents:
        ready = sorted(table for table, needs in parents.items() if not needs - set(order))
        if not ready:
            raise RuntimeError(f"foreign keys in a cycle among {sorted(parents)}")
        order += ready
        for table in ready:
            del parents[table]
    return order
