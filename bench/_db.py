"""Scratch PostgreSQL schemas for the benchmarks: `scratch_schema("bench_locks")` yields the URL of a new schema
that is dropped afterwards; `create_schema` / `drop_schema` keep a named one between runs (bench/digest.py).

The server is $ASSISTANT_BENCH_POSTGRES_URL, else $ASSISTANT_TEST_POSTGRES_URL, else the machine's
postgresql+psycopg://postgres@127.0.0.1:5432/test. Imported as `bench._db` (each bench puts the repository
root on sys.path first, also when tests load the bench from its file)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.pool import NullPool

from assistant.storage.db import make_engine

PG_URL = os.environ.get("ASSISTANT_BENCH_POSTGRES_URL") or os.environ.get(
    "ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def schema_url(schema: str) -> str:
    """The server's URL with `schema` as the search path."""
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"


def _execute(*statements: str) -> None:
    admin = make_engine(PG_URL, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        admin.dispose()


def create_schema(schema: str, fresh: bool = False) -> str:
    """Create `schema` unless it exists (`fresh`: drop it first); returns its URL."""
    _execute(*([f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'] if fresh else []),
             f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return schema_url(schema)


def drop_schema(schema: str) -> None:
    _execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def scratch_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema `prefix_<random>`, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_schema(schema)
    try:
        yield url
    finally:
        drop_schema(schema)
