"""The JSON key-value store and once-only update processing."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from assistant.storage import kv


def test_put_get_delete(db):
    with db.session() as s:
        assert kv.get(s, "user_data", "1") is None
        assert kv.get(s, "user_data", "1", {}) == {}
        kv.put(s, "user_data", "1", {"lang": "zh", "steps": [1, 2], "名字": "张三"})
        kv.put(s, "user_data", "2", None)
        kv.put(s, "chat_data", "1", 5)
    with db.session() as s:
        kv.put(s, "user_data", "1", {"lang": "en"})
    with db.session() as s:
        assert kv.get(s, "user_data", "1") == {"lang": "en"}
        assert kv.get_all(s, "user_data") == {"1": {"lang": "en"}, "2": None}
        assert kv.get_all(s, "chat_data") == {"1": 5}
        assert kv.delete(s, "user_data", "1") is True
        assert kv.delete(s, "user_data", "1") is False
    with db.session() as s:
        assert kv.get_all(s, "user_data") == {"2": None}
        assert kv.clear(s, "user_data") == 1
        assert kv.get_all(s, "nothing") == {}


def test_put_rolls_back_with_session(db):
    try:
        with db.session() as s:
            kv.put(s, "bot_data", "k", [1])
            raise KeyError
    except KeyError:
        pass
    with db.session() as s:
        assert kv.get(s, "bot_data", "k") is None


def test_mark_processed_once(db):
    with db.session() as s:
        assert kv.mark_processed(s, "telegram", 1001) is True
        assert kv.mark_processed(s, "telegram", 1001) is False
        assert kv.mark_processed(s, "terminal", 1001) is True
    with db.session() as s:
        assert kv.mark_processed(s, "telegram", 1001) is False
        assert kv.mark_processed(s, "telegram", 2**40) is True


def test_mark_processed_concurrently(db):
    def attempt(_):
        with db.session() as s:
            return kv.mark_processed(s, "telegram", 777)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count(True) == 1 and results.count(False) == 7


def test_prune_processed_forgets_only_old_updates(db):
    from datetime import timedelta

    from assistant.storage.models import ProcessedUpdate, utcnow

    with db.session() as s:
        kv.mark_processed(s, "telegram", 1)
        kv.mark_processed(s, "telegram", 2)
        s.query(ProcessedUpdate).filter_by(update_id=1).update({"processed_at": utcnow() - timedelta(hours=49)})
    with db.session() as s:
        assert kv.prune_processed(s, utcnow() - timedelta(hours=48)) == 1
    with db.session() as s:
        assert kv.mark_processed(s, "telegram", 2) is False  # still remembered
        assert kv.mark_processed(s, "telegram", 1) is True  # forgotten after the window
