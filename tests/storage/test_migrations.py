"""Migrations reach head on both databases and produce exactly the ORM's schema."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, String, select

from assistant.storage.db import (Database, alembic_config, current_revision, make_engine, normalise_url,
                                  open_database, upgrade)
from assistant.storage.models import Base, OrgUnit, Person


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def diff(engine, metadata=Base.metadata):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_reaches_head_and_matches_orm(db):
    assert current_revision(db.engine) == head()
    assert diff(db.engine) == []


def test_comparison_would_see_a_difference(db):
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["persons"].c.name.type = String(10)
    assert diff(db.engine, changed)


def test_upgrade_is_repeatable(db_url, db):
    upgrade(db_url)
    assert current_revision(db.engine) == head()


def test_open_database_creates_data_dir_and_upgrades(cfg):
    db = open_database(cfg)
    try:
        assert cfg.data_dir.is_dir()
        assert current_revision(db.engine) == head()
        with db.session() as session:
            session.add(Person(name="张三"))
        with db.session() as session:
            assert session.scalars(select(Person.name)).all() == ["张三"]
    finally:
        db.dispose()


def test_default_sqlite_file_in_data_dir(tmp_path):
    from assistant.config import Settings

    settings = Settings(data_dir=tmp_path / "fresh" / "data", DATABASE_URL=None)
    db = open_database(settings)
    try:
        assert (tmp_path / "fresh" / "data" / "assistant.db").exists()
    finally:
        db.dispose()


def test_session_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        with db.session() as session:
            session.add(Person(name="李四"))
            session.flush()
            raise RuntimeError("boom")
    with db.session() as session:
        assert session.scalars(select(Person)).all() == []


def test_times_are_aware_utc(db):
    shanghai = timezone(timedelta(hours=8))
    when = datetime(2020, 6, 30, 18, 0, tzinfo=shanghai)
    with db.session() as session:
        session.add(Person(name="王五", created_at=when))
    with db.session() as session:
        stored = session.scalars(select(Person.created_at)).one()
    assert stored == when and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(db):
    with pytest.raises(Exception, match="naive"):
        with db.session() as session:
            session.add(Person(name="赵六", created_at=datetime(2020, 1, 1)))
            session.flush()


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_foreign_keys_enforced(db):
    with pytest.raises(Exception):
        with db.session() as session:
            session.add(OrgUnit(name="孤儿", level="street", parent_id=9999, path="/"))
            session.flush()


def test_postgres_urls_use_psycopg():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert isinstance(Database.from_url("sqlite://").engine.dialect.name, str)
