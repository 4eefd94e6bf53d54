"""SQLite's write lock in tests: hold it from another connection, and watch the storage layer retry."""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_lock(url: str) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock from another connection (BEGIN IMMEDIATE on the same file) until the block ends,
    then commit, as a long CLI write or a second process would."""
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.execute("COMMIT")
        holder.close()


class Retries(logging.Handler):
    """Counts the storage layer's write-lock retries; `seen` is set once there were `wanted` of them."""

    def __init__(self, wanted: int) -> None:
        super().__init__(logging.WARNING)
        self.wanted, self.count, self.seen = wanted, 0, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "write lock busy" in record.getMessage():
            self.count += 1
            if self.count >= self.wanted:
                self.seen.set()


@contextmanager
def watching_retries(wanted: int = 1) -> Iterator[Retries]:
    handler = Retries(wanted)
    logger = logging.getLogger("assistant.storage.db")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
