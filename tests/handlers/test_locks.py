"""An update that arrives while another connection holds SQLite's write lock for longer than one try waits
(busy_timeout) is retried until the lock frees, then answered and stored: never dropped, never "database is
locked" for the user."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from assistant.config import Settings
from assistant.storage.db import Database
from assistant.storage.models import ChannelAccount

from ..helpers.locks import watching_retries, write_lock
from ..helpers.offline import OfflineBot
from .conftest import make_code


def test_an_update_that_finds_the_write_lock_busy_is_answered_once_it_frees(sqlite_templates, shared_data_dir,
                                                                             tmp_path):
    copy = sqlite_templates.copy("org", tmp_path)
    settings = Settings(data_dir=shared_data_dir, DATABASE_URL=copy.url, telegram_bot_token="123456:TEST",
                        sqlite_busy_timeout_seconds=0.05)
    db = Database.from_url(copy.url)
    code = make_code(settings, db, "branch_secretary", "MY02", name="陈书记")
    replies: list[str] = []
    with OfflineBot(settings) as bot, watching_retries(3) as retries:
        with write_lock(copy.url):
            sender = threading.Thread(target=lambda: replies.extend(bot.send(4242, f"/start {code}")))
            sender.start()
            assert retries.seen.wait(60), "the bot's write was not retried"
            assert sender.is_alive() and not replies  # waiting for the lock, not failed
        sender.join(60)
    assert len(replies) == 1 and "注册成功：陈书记" in replies[0], replies
    with db.session(read_only=True) as s:
        assert s.scalar(select(func.count()).select_from(ChannelAccount)) == 1
    db.dispose()
