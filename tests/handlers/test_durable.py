"""Every update one durable step (assistant/handlers/durable.py), both databases: an update whose step was
not saved is handled again, one that was is dropped, a form handled again is stored once, and polling
confirms an update to Telegram only once its step is saved."""
from __future__ import annotations

import asyncio
import threading
import time

from telegram import Update
from telegram.ext import TypeHandler

from assistant.handlers.app import build_application
from assistant.handlers.persistence import USER_DATA, SQLPersistence
from assistant.runtime import Runtime
from assistant.storage import kv
from assistant.storage.models import CheckIn, Need

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from ..helpers.offline import OfflineBot, callback_update, message_update
from .conftest import make_code

LEADER, MEMBER = 701, 702


def mine(sent: list[dict], chat_id: int) -> list[dict]:
    return [m for m in sent if int(m.get("chat_id", 0)) == chat_id]


def datas(message: dict) -> list[str]:
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def leader_at_confirm(bot, settings, db) -> None:
    """A building leader of 梅园新村 3栋 with a /need form filled up to its summary."""
    assert "注册成功" in bot.send(LEADER, f"/start {make_code(settings, db, 'building_leader', 'MY01-3')}")[0]
    step = mine(bot.process(message_update(LEADER, "/need")), LEADER)[-1]
    step = mine(bot.press(LEADER, next(d for d in datas(step) if d.startswith("nf:b:") and d != "nf:b:0")), LEADER)[-1]
    bot.press(LEADER, "nf:k:elevator")
    bot.send(LEADER, "3栋电梯按钮失灵，经常停在半层")
    for data in ("nf:u:normal", "nf:y:0", "nf:ph:skip"):
        step = mine(bot.press(LEADER, data), LEADER)[-1]
    assert "请确认需求" in step["text"]


def test_an_update_cut_off_before_its_step_was_saved_is_handled_again(bot_settings, tree):
    bot = OfflineBot(bot_settings).__enter__()
    assert "注册成功" in bot.send(LEADER, f"/start {make_code(bot_settings, tree, 'building_leader', 'MY01-3')}")[0]
    bot.send(LEADER, "/need")  # the building step, saved
    press = callback_update(LEADER, "nf:b:0")
    assert "需求类别" in mine(bot.process_unsaved(press), LEADER)[-1]["text"]
    bot.crash()
    with OfflineBot(bot_settings) as bot:  # started again: Telegram delivers the update again
        assert "需求类别" in mine(bot.process(press), LEADER)[-1]["text"]
        assert bot.process(press) == []
        assert "请描述问题" in mine(bot.press(LEADER, "nf:k:elevator"), LEADER)[-1]["text"]
    with OfflineBot(bot_settings) as bot:  # saved with its step: dropped, also by a new process
        assert bot.process(press) == []
        assert "紧急程度" in bot.send(LEADER, "3栋电梯按钮失灵，经常停在半层")[-1]


def test_a_need_submitted_again_after_a_crash_is_filed_once(bot_settings, tree):
    bot = OfflineBot(bot_settings).__enter__()
    leader_at_confirm(bot, bot_settings, tree)
    submit = callback_update(LEADER, "nf:submit")
    filed = mine(bot.process_unsaved(submit), LEADER)[-1]["text"]
    assert "需求已登记" in filed
    bot.crash()
    with OfflineBot(bot_settings) as bot:
        assert mine(bot.process(submit), LEADER)[-1]["text"] == filed  # the same ticket, told again
        assert bot.send(LEADER, "/cancel") == ["当前没有进行中的操作。"]  # the form is over
    with tree.session() as session:
        assert session.query(Need).count() == 1


def test_a_checkin_submitted_again_after_a_crash_is_sent_once(bot_settings, tree):
    bot = OfflineBot(bot_settings).__enter__()
    assert "注册成功" in bot.send(MEMBER, f"/start {make_code(bot_settings, tree, 'resident', 'MY01-2')}")[0]
    bot.send(MEMBER, "/checkin")
    for text in ("宣城市住建局", "机关党委"):
        bot.send(MEMBER, text)
    bot.press(MEMBER, "ci:skip")
    bot.send(MEMBER, "梅园新村")
    bot.press(MEMBER, "ci:b:0")
    bot.send(MEMBER, "13812345678")
    for data in ("ci:y:1", "ci:y:1", "ci:y:0"):
        bot.press(MEMBER, data)
    submit = callback_update(MEMBER, "ci:submit")
    assert "已提交给 梅园新村" in mine(bot.process_unsaved(submit), MEMBER)[-1]["text"]
    bot.crash()
    with OfflineBot(bot_settings) as bot:
        assert "已提交给 梅园新村" in mine(bot.process(submit), MEMBER)[-1]["text"]
    with tree.session() as session:
        assert [c.status for c in session.query(CheckIn)] == ["pending"]


def test_a_step_is_written_in_one_transaction_with_its_update_marked(db):
    persistence = SQLPersistence(db)

    async def step():
        await persistence.update_user_data(5, {"draft": {"step": "x"}})
        with db.session() as session:
            assert kv.get_all(session, USER_DATA) == {}  # nothing before the commit
        await persistence.commit(("telegram", 42))
        await persistence.update_user_data(5, {"draft": {"step": "x"}})  # unchanged: nothing to write
        await persistence.commit()

    asyncio.run(step())
    with db.session() as session:
        assert kv.get_all(session, USER_DATA) == {"5": {"draft": {"step": "x"}}}
        assert kv.is_processed(session, "telegram", 42) and not kv.is_processed(session, "telegram", 43)


def test_polling_confirms_an_update_only_once_its_step_is_saved(bot_settings, telegram_emulator):
    emu = telegram_emulator
    settings = bot_settings.model_copy(update={"telegram_bot_token": emu.token, "telegram_api_base_url": emu.base_url,
                                               "telegram_file_base_url": emu.base_file_url})
    app = build_application(Runtime(settings))
    started, release = threading.Event(), threading.Event()

    async def slow_step(update: Update, context) -> None:
        started.set()
        await asyncio.to_thread(release.wait, 30)

    app.add_handler(TypeHandler(Update, slow_step), group=-10)
    chat = emu.new_chat_id()

    def confirmed() -> bool:
        return next(e for e in emu.history() if (e.get("message") or {}).get("chat", {}).get("id") == chat
                    and "botToken" in e and "updateId" in e and "from" in e["message"])["isRead"]

    with run_app(app, poll_interval=0.05, timeout=1):
        emu.send_command(chat, "/help")
        assert started.wait(30)
        time.sleep(1)  # the bot polls about twenty times meanwhile
        assert not confirmed()  # still being handled: Telegram would deliver it again
        release.set()
        emu.wait_for_reply(chat, "/ask")  # /help is by role: an unregistered user is not shown /need
        deadline = time.monotonic() + 10
        while not confirmed() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert confirmed()
