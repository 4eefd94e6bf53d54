"""A failing handler: the exception is logged (to the configured log file, without personal data) and the
user is told, in their language, that it failed."""
from __future__ import annotations

import logging

import pytest
from telegram.ext import CommandHandler

from assistant.logs import configure_logging

from ..helpers.offline import OfflineBot

USER = 4711


async def explode(update, context):
    raise RuntimeError("13812345678 should never reach a log line unmasked")


@pytest.fixture
def log_file(bot_settings, tmp_path):
    settings = bot_settings.model_copy(update={"log_file": tmp_path / "logs" / "bot.log", "log_level": "INFO"})
    handler = configure_logging(settings)
    yield settings.log_path
    logging.getLogger().removeHandler(handler)
    handler.close()


@pytest.mark.parametrize("lang, expected", [("zh", "出错了"), ("en", "something went wrong")])
def test_an_exception_in_a_handler_gets_a_reply_and_a_log_line(bot_settings, log_file, lang, expected):
    with OfflineBot(bot_settings) as bot:
        bot.app.add_handler(CommandHandler("boom", explode), group=1)
        replies = bot.send(USER, "/boom", lang=lang)
    assert any(expected in text for text in replies), replies
    written = log_file.read_text(encoding="utf-8")
    assert "ERROR assistant.handlers: update" in written and "RuntimeError" in written
    assert "13812345678" not in written and "<phone>" in written  # the exception's text, masked
    assert f"user{USER}" not in written and str(USER) not in written  # no name, no Telegram id


def test_the_log_file_and_level_come_from_the_settings(bot_settings, tmp_path):
    settings = bot_settings.model_copy(update={"log_file": tmp_path / "a.log", "log_level": "WARNING"})
    handler = configure_logging(settings)
    try:
        logging.getLogger("assistant.test").info("not at WARNING")
        logging.getLogger("assistant.test").warning("token 123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ and 0563-1234567")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    written = (tmp_path / "a.log").read_text(encoding="utf-8")
    assert "not at WARNING" not in written
    assert "token <token> and <phone>" in written
