"""Shared fixtures: settings in a temporary data dir, one index built over the real corpus, and a `db`
over SQLite (temporary file) and the machine's PostgreSQL (a fresh schema per test).

PostgreSQL is always there (also in CI): when it is unreachable the tests fail, they are not skipped.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from assistant.config import Settings
from assistant.knowledge.index import open_index
from assistant.org.tree import import_org
from assistant.storage.db import Database, make_engine, upgrade

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A database URL with an empty schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin = make_engine(PG_URL, poolclass=NullPool)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable (storage tests need it): {error}")
    try:
        yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def db(db_url):
    """A migrated database, disposed after the test."""
    upgrade(db_url)
    database = Database.from_url(db_url)
    yield database
    database.dispose()


@pytest.fixture
def cfg(tmp_path, db_url) -> Settings:
    """Settings pointing at the test database (invite defaults: 7 days, 5 failures per 15 minutes)."""
    return Settings(data_dir=tmp_path / "data", DATABASE_URL=db_url)


@pytest.fixture
def tree(db):
    """The example tree imported."""
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
