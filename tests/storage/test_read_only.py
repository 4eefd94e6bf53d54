"""Read-only sessions (digests, exports): readable on both databases, and on SQLite they hold no write lock,
so a long report never makes the bot's writes wait."""
from __future__ import annotations

import threading
import time

from assistant.storage import kv
from assistant.storage.models import KeyValue


def test_read_only_session_reads_and_never_blocks_a_writer(db):
    with db.session() as s:
        kv.put(s, "bench", "k", 1)
    holding, release = threading.Event(), threading.Event()

    def long_report():
        with db.session(read_only=True) as s:
            assert s.query(KeyValue).count() == 1
            holding.set()
            release.wait(10)

    reader = threading.Thread(target=long_report)
    reader.start()
    assert holding.wait(10)
    started = time.monotonic()
    with db.session() as s:  # the writer goes ahead while the report's transaction is still open
        kv.put(s, "bench", "k", 2)
    waited = time.monotonic() - started
    release.set()
    reader.join()
    assert waited < 1.0, waited
    with db.session(read_only=True) as s:
        assert kv.get(s, "bench", "k") == 2
