"""Shared fixtures: settings in a temporary data dir, one index built over the real corpus, and a `db`
over SQLite (a file in the test's tmp_path) and the machine's PostgreSQL (a database of the test's own).

The databases are copies of templates migrated once per session and xdist worker (tests/helpers/databases.py):
a test that asks for `db` gets a copy already at head, one that asks for `tree` a copy with the example org
already imported, one that asks only for `db_url` (or `cfg`) an empty database. The migration tests
(tests/storage/conftest.py: `real_upgrade`) run the real Alembic upgrade on an empty database instead.

PostgreSQL is always there (also in CI): when it is unreachable the tests fail, they are not skipped.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge.index import open_index
from assistant.org.tree import import_org
from assistant.storage.db import Database, upgrade

from .helpers.databases import Copy, PostgresTemplates, SQLiteTemplates

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    return SQLiteTemplates(tmp_path_factory.mktemp("db-templates"), EXAMPLES / "org_example.csv")


@pytest.fixture(scope="session")
def postgres_templates():
    templates = PostgresTemplates(PG_URL, EXAMPLES / "org_example.csv")
    yield templates
    templates.close()


@pytest.fixture
def real_upgrade() -> bool:
    """False: `db` is a copy of the session's migrated template (overridden where migrations are tested)."""
    return False


@pytest.fixture(params=["sqlite", "postgresql"])
def db_copy(request, tmp_path, real_upgrade) -> Copy:
    """The test's own database, as far along as the test needs: empty, migrated, or with the org."""
    names = request.fixturenames
    kind = "empty" if real_upgrade else "org" if "tree" in names else "schema" if "db" in names else "empty"
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_templates").copy(kind, tmp_path)
        return
    templates = request.getfixturevalue("postgres_templates")
    copy = templates.copy(kind)
    try:
        yield copy
    finally:
        templates.release(copy)


@pytest.fixture
def db_url(db_copy) -> str:
    """A database URL of the test's own (empty unless the test also asks for `db` or `tree`)."""
    return db_copy.url


@pytest.fixture
def db(db_copy):
    """A migrated database, disposed after the test."""
    if not db_copy.migrated:
        upgrade(db_copy.url)
    database = Database.from_url(db_copy.url)
    yield database
    database.dispose()


@pytest.fixture
def cfg(tmp_path, db_url) -> Settings:
    """Settings pointing at the test database (invite defaults: 7 days, 5 failures per 15 minutes)."""
    return Settings(data_dir=tmp_path / "data", DATABASE_URL=db_url)


@pytest.fixture
def tree(db, db_copy):
    """The example tree imported."""
    if not db_copy.has_org:
        import_org(db, EXAMPLES / "org_example.csv")
    return db


def make_settings(tmp: Path, **overrides) -> Settings:
    return Settings(data_dir=tmp / "data", **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """The directive indexed once for the whole session (embedded Chroma, e5 embeddings)."""
    return open_index(make_settings(tmp_path_factory.mktemp("corpus")))
