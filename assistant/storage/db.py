"""Engines, sessions and migrations: SQLite (WAL, foreign keys) by default, PostgreSQL via psycopg 3.

New revision after changing storage/models/ (from the project root):
    python -c "from alembic import command; from assistant.storage.db import alembic_config; \
command.revision(alembic_config('sqlite:///data/assistant.db'), autogenerate=True, message='...')"
"""
from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)
_DEFAULTS = Settings.model_fields


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


READ_ONLY = "assistant_read_only"  # execution option of read-only sessions


def _sqlite_pragmas(engine: Engine, busy_timeout: float, lock_wait: float) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (savepoints, DDL in transactions)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Read-only sessions (reports, CLI reads) take no write lock and may not write (query_only), so they never
        # hold up the bot's writes. Writers BEGIN IMMEDIATE: they queue for the lock instead of failing when a
        # read turns into a write, and a lock still busy after busy_timeout is retried with backoff.
        fairy = connection.connection
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        if fairy.info.get(READ_ONLY, False) != read_only:
            fairy.dbapi_connection.execute(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
            fairy.info[READ_ONLY] = read_only
        if read_only:
            fairy.dbapi_connection.execute("BEGIN")
        else:
            begin_immediate(fairy.dbapi_connection, lock_wait)


def begin_immediate(dbapi_connection: sqlite3.Connection, lock_wait: float) -> None:
    """BEGIN IMMEDIATE; while another connection holds the write lock (each try waits busy_timeout first),
    retried with doubling, jittered pauses for up to `lock_wait` seconds, then the error is raised."""
    deadline, pause, attempt = time.monotonic() + lock_wait, 0.05, 0
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            if attempt:
                log.info("SQLite write lock taken after %d retries", attempt)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error) or time.monotonic() + pause > deadline:
                raise
            attempt += 1
            log.warning("SQLite write lock busy (%s): retry %d in %.2f s", error, attempt, pause)
            time.sleep(pause * random.uniform(1.0, 1.5))
            pause = min(pause * 2, 2.0)


def make_engine(url: str, *, busy_timeout: float = _DEFAULTS["sqlite_busy_timeout_seconds"].default,
                lock_wait: float = _DEFAULTS["sqlite_lock_wait_seconds"].default, **kwargs) -> Engine:
    """An engine for `url`: SQLite gets WAL, foreign keys, BEGIN IMMEDIATE retried for `lock_wait` seconds and
    cross-thread use; PostgreSQL uses psycopg 3."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _sqlite_pragmas(engine, busy_timeout, lock_wait)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class Database:
    """An engine and its session factory; `with db.session() as s:` commits on success, rolls back on error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = session_factory(engine)
        self.reader = session_factory(engine.execution_options(**{READ_ONLY: True}))

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def url(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[Session]:
        """A session; `read_only=True` for every read path (reports, exports, CLI reads): on SQLite it takes no
        write lock and a write in it fails."""
        with (self.reader if read_only else self.sessionmaker)() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def reachable(self) -> bool:
        """Whether the database answers a trivial query (the health check; no write lock on SQLite)."""
        try:
            with self.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config  # alembic only where migrations are read (not for `assistant ask`)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` (head by default) in one transaction."""
    from alembic import command

    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first upgrade (read without the write lock)."""
    from alembic.runtime.migration import MigrationContext

    with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return MigrationContext.configure(connection).get_current_revision()


def reason(error: BaseException | str) -> str:
    """The first line of a database or tool error, for a message."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else "?"


def revision_of(url: str) -> str | None:
    """The revision of the database at `url`, creating and migrating nothing (None: not initialised)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        return None  # connecting would create the file
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def revisions() -> list[tuple[str, str]]:
    """Every migration, newest first: (revision, its description)."""
    return [(script.revision, script.doc) for script in _scripts().walk_revisions()]


def head_revision() -> str:
    """The newest revision of the packaged migrations."""
    return _scripts().get_current_head()


def open_database(settings: Settings) -> Database:
    """Create the data dir, upgrade the schema to head unless it is there already (so a read command takes no
    write lock) and return the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url, busy_timeout=settings.sqlite_busy_timeout_seconds,
                         lock_wait=settings.sqlite_lock_wait_seconds)
    if current_revision(engine) != head_revision():
        upgrade(engine)
    return Database(engine)
