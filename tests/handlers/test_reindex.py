"""The bot opens the index at start (post_init) without waiting for a re-index of a changed corpus: it answers
from the previous index until the new one is complete, then from the new one."""
from __future__ import annotations

import shutil
import threading

from assistant.config import Settings
from assistant.handlers.app import post_init
from assistant.knowledge import generations

from ..helpers.corpus import NEW_DOC, NEW_QUESTION, GatedEmbeddings, add_document
from ..helpers.offline import OfflineBot


def test_the_bot_starts_and_answers_while_the_corpus_is_re_indexed(built_live, sqlite_templates, tmp_path,
                                                                   monkeypatch):
    shutil.copytree(built_live, tmp_path, dirs_exist_ok=True)  # the directive and its index as the last run left them
    copy = sqlite_templates.copy("org", tmp_path)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        DATABASE_URL=copy.url, telegram_bot_token="123456:TEST", embed_batch_size=4)
    assert generations.listed(settings.index_dir)  # one generation, built by `built_live` (tests/conftest.py)
    add_document(settings.corpus_dir)  # a document added while the bot was down
    gate = GatedEmbeddings()
    monkeypatch.setattr("assistant.llm.provider.embeddings", lambda _settings: gate)  # the real e5, gated
    gate.arm()
    with OfflineBot(settings) as bot:
        try:
            started = threading.Thread(target=lambda: bot.loop.run_until_complete(post_init(bot.app)))
            started.start()
            started.join(120)
            assert not started.is_alive(), "post_init waited for the re-index"
            assert gate.entered.wait(120), "no re-index started"
            during = bot.send(501, "小区党支部设几名委员？")
            assert len(during) == 1 and "3-5 名" in during[0]
            assert NEW_DOC not in bot.send(501, NEW_QUESTION)[0]
            gate.release()
            assert bot.runtime.live_index.join(120)
            assert NEW_DOC in bot.send(501, NEW_QUESTION)[0]
        finally:
            gate.release()
            bot.runtime.close()
