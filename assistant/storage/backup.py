"""Backup and restore of the whole database: `backup(url, file)`, `restore(url, file)`; `revision(url)`.

SQLite: the sqlite3 online backup API, page by page, consistent while the bot writes. PostgreSQL: `pg_dump`
(custom format) of the schema in use; restore drops everything in that schema and replays the dump through
`pg_restore | psql` in one transaction, so a failed restore leaves the database as it was. Either way the
backup holds `alembic_version`: a restored older backup is migrated at the next start (or `assistant db upgrade`).
Restore with the bot stopped.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DomainError
from .db import make_engine, normalise_url, reason, revision_of


class BackupError(DomainError):
    """A backup or restore that was refused or failed; the catalogue key says why."""


def backup(url: str, file: Path) -> str:
    """Write the database at `url` to `file` (which must not exist); returns the revision backed up."""
    if file.exists():
        raise BackupError("db.backup.exists", path=file)
    backend = _backend(url)
    backed_up = revision(url)
    if backed_up is None:
        raise BackupError("db.backup.empty", url=shown(url))
    if backend == "sqlite":
        _sqlite_backup(_sqlite_file(url), file)
    else:
        _pg_backup(url, file)
    return backed_up


def restore(url: str, file: Path) -> str | None:
    """Replace everything in the database at `url` by the backup `file`; returns the revision restored."""
    if not file.is_file():
        raise BackupError("db.restore.missing", path=file)
    if _backend(url) == "sqlite":
        _sqlite_restore(_sqlite_file(url), file)
    else:
        _pg_restore(url, file)
    return revision(url)


def _backend(url: str) -> str:
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError("db.backup.unsupported", backend=backend)
    return backend


def shown(url: str) -> str:
    """The URL for a message, password hidden."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def revision(url: str) -> str | None:
    """The revision of the database at `url` (None: not initialised), creating nothing; BackupError when unreachable."""
    try:
        return revision_of(url)
    except SQLAlchemyError as error:
        raise BackupError("db.unreachable", url=shown(url), error=reason(error)) from None


# SQLite

def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("db.backup.unsupported", backend="sqlite (memory)")
    return Path(database)


def _copy(source: Path, target: Path) -> None:
    """The online backup API: `source` copied into `target` in one consistent snapshot."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _sqlite_revision(file: Path) -> str | None:
    """The revision a SQLite backup holds; not a database of the assistant → BackupError."""
    connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.DatabaseError, TypeError):  # not a database, no such table, no row
        raise BackupError("db.restore.not_backup", path=file, backend="SQLite") from None
    finally:
        connection.close()


def _sqlite_backup(database: Path, file: Path) -> None:
    _copy(database, file)
    connection = sqlite3.connect(file)  # a single self-contained file, whatever the live database's journal
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def _sqlite_restore(database: Path, file: Path) -> None:
    _sqlite_revision(file)  # refuses what is not a backup
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy(file, database)  # one transaction on the database: a backup unreadable halfway changes nothing
    except sqlite3.DatabaseError:
        raise BackupError("db.restore.not_backup", path=file, backend="SQLite") from None


# PostgreSQL

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError("db.backup.no_tool", tool=name)
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it, and an environment with the password (kept off the command line)."""
    parsed = make_url(normalise_url(url))
    uri = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                     database=parsed.database, query=parsed.query).render_as_string(hide_password=False)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = parsed.password
    return uri, env


def _schema(url: str) -> str:
    """The schema the URL's connections use (public unless the URL sets a search_path)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    except SQLAlchemyError as error:
        raise BackupError("db.unreachable", url=shown(url), error=reason(error)) from None
    finally:
        engine.dispose()
    if schema is None:
        raise BackupError("db.no_schema", url=shown(url))
    return schema


def _run(args: list[str], env: dict[str, str], tool: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError("db.backup.failed", tool=tool, error=reason(done.stderr))
    return done.stdout


def _pg_backup(url: str, file: Path) -> None:
    schema = _schema(url)
    uri, env = _libpq(url)
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f'--schema="{schema}"',
              f"--file={file}", f"--dbname={uri}"], env, "pg_dump")
    except BackupError:
        file.unlink(missing_ok=True)
        raise


SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", re.M)
TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.M)

# Everything of the schema, dropped in the restore's transaction before the dump is replayed.
DROP_ALL = """SET client_min_messages = warning; DO $$DECLARE item record; BEGIN
FOR item IN
    SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename) AS sql FROM pg_tables
     WHERE schemaname = {schema}
    UNION ALL SELECT format('DROP VIEW IF EXISTS %I.%I CASCADE', schemaname, viewname) FROM pg_views
     WHERE schemaname = {schema}
    UNION ALL SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', schemaname, sequencename) FROM pg_sequences
     WHERE schemaname = {schema}
    UNION ALL SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = {schema} AND t.typtype IN ('e', 'd')
LOOP EXECUTE item.sql; END LOOP; END $$"""


def _pg_restore(url: str, file: Path) -> None:
    schema = _schema(url)
    uri, env = _libpq(url)
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    try:
        listing = _run([pg_restore, "--list", str(file)], env, "pg_restore")
    except BackupError:
        raise BackupError("db.restore.not_backup", path=file, backend="PostgreSQL") from None
    dumped = SCHEMA_ENTRY.findall(listing)
    if not dumped or (dumped[0], "alembic_version") not in TABLE_ENTRY.findall(listing):
        raise BackupError("db.restore.not_backup", path=file, backend="PostgreSQL")
    if dumped[0] != schema:
        raise BackupError("db.restore.other_schema", path=file, dumped=dumped[0], schema=schema)
    with tempfile.TemporaryDirectory() as tmp:  # the whole script first: a truncated one must not be committed
        script = Path(tmp) / "restore.sql"
        _run([pg_restore, "--no-owner", "--no-privileges", f"--schema={schema}", f"--file={script}", str(file)],
             env, "pg_restore")
        drop = DROP_ALL.format(schema="'" + schema.replace("'", "''") + "'")
        _run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              f"--command={drop}", f"--file={script}", f"--dbname={uri}"], env, "psql")
