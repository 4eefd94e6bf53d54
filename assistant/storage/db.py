"""Engines, sessions and migrations: SQLite (WAL, foreign keys) by default, PostgreSQL via psycopg 3.

New revision after changing storage/models/ (from the project root):
    python -c "from alembic import command; from assistant.storage.db import alembic_config; \
command.revision(alembic_config('sqlite:///data/assistant.db'), autogenerate=True, message='...')"
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


READ_ONLY = "assistant_read_only"  # execution option of read-only sessions


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (savepoints, DDL in transactions)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # IMMEDIATE: writers queue on busy_timeout instead of failing when a read turns into a write;
        # read-only sessions (long reports) take no write lock, so they never hold up the bot's writes
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`: SQLite gets WAL, foreign keys, BEGIN IMMEDIATE and cross-thread use; PostgreSQL
    uses psycopg 3."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _sqlite_pragmas(engine)
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
        """A session; `read_only=True` for long reads (digests, exports): on SQLite it takes no write lock."""
        with (self.reader if read_only else self.sessionmaker)() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def reachable(self) -> bool:
        """Whether the database answers a trivial query (the health check)."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` (head by default) in one transaction."""
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
    """The revision the database is at, or None before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
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


def revisions() -> list[tuple[str, str]]:
    """Every migration, newest first: (revision, its description)."""
    from alembic.script import ScriptDirectory

    return [(script.revision, script.doc) for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def open_database(settings: Settings) -> Database:
    """Create the data dir, upgrade the schema to head and return the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    return Database(engine)
