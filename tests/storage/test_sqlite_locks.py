"""SQLite's write lock: a write that finds it busy is retried with backoff until it goes through (never lost),
and a read-only session neither takes it nor may write. Another connection holds the lock for real
(BEGIN IMMEDIATE on the same file), as a long CLI write or a second process would."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy.exc import OperationalError

from assistant.storage import kv
from assistant.storage.db import Database, make_engine

from ..helpers.locks import watching_retries, write_lock


@pytest.fixture
def sqlite_db(sqlite_templates, tmp_path):
    return sqlite_templates.copy("schema", tmp_path)


def test_a_write_that_finds_the_lock_busy_is_retried_until_it_goes_through(sqlite_db):
    db = Database(make_engine(sqlite_db.url, busy_timeout=0.05, lock_wait=120))
    outcome = {}

    def write():
        try:
            with db.session() as s:
                kv.put(s, "locks", "k", "written")
            outcome["ok"] = True
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            outcome["error"] = error

    with watching_retries(3) as retries, write_lock(sqlite_db.url):
        writer = threading.Thread(target=write)
        writer.start()
        assert retries.seen.wait(60), "the busy write was not retried"
        assert writer.is_alive() and not outcome  # still waiting for the lock, not failed
    writer.join(60)
    assert outcome == {"ok": True}
    with db.session(read_only=True) as s:
        assert kv.get(s, "locks", "k") == "written"
    db.dispose()


def test_a_write_still_locked_after_the_wait_fails_loudly(sqlite_db):
    db = Database(make_engine(sqlite_db.url, busy_timeout=0.05, lock_wait=0.3))
    with write_lock(sqlite_db.url), pytest.raises((OperationalError, sqlite3.OperationalError), match="locked"):
        with db.session() as s:
            kv.put(s, "locks", "k", 1)
    with db.session() as s:  # the lock is free again: the same database writes
        kv.put(s, "locks", "k", 2)
    with db.session(read_only=True) as s:
        assert kv.get(s, "locks", "k") == 2
    db.dispose()


def test_read_only_sessions_take_no_write_lock_and_refuse_writes(sqlite_db):
    db = Database(make_engine(sqlite_db.url, busy_timeout=0.05, lock_wait=0))
    with db.session() as s:
        kv.put(s, "locks", "k", 1)
    with write_lock(sqlite_db.url) as holder:
        holder.execute("DELETE FROM key_values WHERE namespace = 'locks'")  # not committed yet
        with db.session(read_only=True) as s:  # lock_wait=0: a write lock would fail at once
            assert kv.get(s, "locks", "k") == 1
    with pytest.raises(OperationalError, match="readonly"):
        with db.session(read_only=True) as s:
            kv.put(s, "locks", "k", 3)
    with db.session() as s:  # the same pooled connection writes again in a normal session
        kv.put(s, "locks", "k", 4)
    with db.session(read_only=True) as s:
        assert kv.get(s, "locks", "k") == 4
    db.dispose()
