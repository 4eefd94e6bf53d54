"""Notices through the outbox with the real handlers (both databases): a transient failure is retried and
delivered once, RetryAfter honoured, a blocked bot not retried, concurrent senders never deliver twice, the
branch is told when a need leaves its level and the liaison when it closes; end to end through the Bot API
emulator, notices queued while the bot was down go out after the restart, with their buttons."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import func, select
from telegram.ext import CallbackContext

from assistant.handlers import jobs, sender
from assistant.needs.queries import accounts_for
from assistant.org.invites import account_of
from assistant.outbox import notices
from assistant.runtime import Runtime
from assistant.handlers.app import build_application
from assistant.storage.models import Need, OutboxNotice, utcnow

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from ..helpers.offline import OfflineBot
from .conftest import make_code
from .test_needs import COMMUNITY, LEADER, LIAISON, SECRETARY, button, file_elevator_need, last, team  # noqa: F401


def fail_sends(bot, chat_id: int, times: int, status: int, description: str, **parameters) -> dict:
    """The next `times` sendMessage calls to `chat_id` answer with this Bot API error; returns the counter."""
    state, original = {"left": times}, bot.request.do_request

    async def do_request(url, method, request_data=None, **kwargs):
        params = request_data.parameters if request_data else {}
        if url.endswith("/sendMessage") and int(params.get("chat_id", 0)) == chat_id and state["left"] > 0:
            state["left"] -= 1
            body = {"ok": False, "error_code": status, "description": description}
            return status, json.dumps({**body, "parameters": parameters} if parameters else body).encode()
        return await original(url, method, request_data, **kwargs)

    bot.request.do_request = do_request
    return state


def told(bot, chat_id: int, part: str) -> list[dict]:
    return [m for m in bot.request.sent if int(m.get("chat_id", 0)) == chat_id and part in m.get("text", "")]


def rows(db, **where) -> list[OutboxNotice]:
    with db.session() as s:
        return list(s.scalars(select(OutboxNotice).filter_by(**where).order_by(OutboxNotice.id)))


def test_a_transient_failure_is_retried_and_delivered_once(team, tree):
    with OfflineBot(team) as bot:
        fail_sends(bot, LIAISON, 1, 502, "Bad Gateway")
        ticket = file_elevator_need(bot)
        assert told(bot, SECRETARY, ticket) and not told(bot, LIAISON, ticket)  # the others went at once
        [row] = rows(tree, kind="need:filed", status="pending")
        assert row.attempts == 1 and "Bad Gateway" in row.last_error
        context = CallbackContext(bot.app)
        deliver = lambda: bot.loop.run_until_complete(sender.deliver(context))
        assert deliver() == 0  # backing off
        bot.runtime.clock = lambda: utcnow() + timedelta(minutes=2)
        assert deliver() == 1 and deliver() == 0
        assert len(told(bot, LIAISON, ticket)) == 1
        assert {r.status for r in rows(tree, kind="need:filed")} == {"sent"}


def test_retry_after_is_honoured(team, tree):
    with OfflineBot(team, rate_limit=False) as bot:  # no in-process retries: the outbox sees the RetryAfter
        fail_sends(bot, LIAISON, 1, 429, "Too Many Requests: retry after 30", retry_after=30)
        ticket = file_elevator_need(bot)
        [row] = [r for r in rows(tree, status="pending") if r.attempts]  # the rest of the batch waits untried
        assert 29 <= (row.next_attempt_at - row.created_at).total_seconds() <= 31 and "Flood" in row.last_error
        context, start = CallbackContext(bot.app), utcnow()
        bot.runtime.clock = lambda: start + timedelta(seconds=20)
        bot.loop.run_until_complete(sender.deliver(context))
        assert not told(bot, LIAISON, ticket) and told(bot, SECRETARY, ticket)
        bot.runtime.clock = lambda: start + timedelta(seconds=35)  # before the 60 s backoff: RetryAfter wins
        assert bot.loop.run_until_complete(sender.deliver(context)) == 1
        assert len(told(bot, LIAISON, ticket)) == 1 and len(told(bot, SECRETARY, ticket)) == 1


def test_a_blocked_bot_is_marked_failed_and_not_retried(team, tree, caplog):
    with OfflineBot(team) as bot:
        calls = fail_sends(bot, LIAISON, 100, 403, "Forbidden: bot was blocked by the user")
        file_elevator_need(bot)
        [row] = rows(tree, status="failed")
        assert row.attempts == 1 and "blocked" in row.last_error
        bot.runtime.clock = lambda: utcnow() + timedelta(days=2)
        bot.loop.run_until_complete(sender.deliver(CallbackContext(bot.app)))
        assert calls["left"] == 99 and rows(tree, status="failed")[0].attempts == 1
    logged = [r.getMessage() for r in caplog.records if r.name == sender.log.name]
    assert logged and "failed for good" in logged[0] and not any(str(LIAISON) in line for line in logged)  # no chat id


def test_a_notice_not_yet_delivered_survives_a_kill_9(team, tree):
    bot = OfflineBot(team).__enter__()
    fail_sends(bot, LIAISON, 1, 502, "Bad Gateway")
    ticket = file_elevator_need(bot)
    bot.crash()
    with OfflineBot(team) as again:
        again.runtime.clock = lambda: utcnow() + timedelta(minutes=2)
        assert again.loop.run_until_complete(sender.deliver(CallbackContext(again.app))) == 1
        assert len(told(again, LIAISON, ticket)) == 1


def test_concurrent_senders_deliver_each_notice_once(team, tree):
    with OfflineBot(team) as bot:
        with tree.session() as s:
            people = [account_of(s, "telegram", str(chat)).person_id for chat in (SECRETARY, LIAISON, COMMUNITY)]
            for i in range(15):
                notices.queue(s, "test", accounts_for(s, people), lambda lang, i=i: f"通知 {i}", channel="telegram",
                              now=utcnow() - timedelta(seconds=1))
        context = CallbackContext(bot.app)
        async def three_at_once():
            return await asyncio.gather(*(sender.deliver(context) for _ in range(3)))

        runs = bot.loop.run_until_complete(three_at_once())
        assert sum(runs) == 45 and bot.loop.run_until_complete(sender.deliver(context)) == 0  # redelivery: nothing
        for chat in (SECRETARY, LIAISON, COMMUNITY):
            texts = [m["text"] for m in bot.request.sent if int(m["chat_id"]) == chat and m["text"].startswith("通知")]
            assert sorted(texts) == sorted(f"通知 {i}" for i in range(15))


def test_the_branch_hears_when_a_need_leaves_its_level_and_the_liaison_when_it_closes(team, tree):
    with OfflineBot(team) as bot:
        ticket = file_elevator_need(bot)  # normal: 24 h to accept, at 3栋
        context, start = CallbackContext(bot.app), utcnow()
        for hours in (25, 50):  # 3栋 → 梅园新村, then 梅园新村 → 梅园社区
            bot.runtime.clock = lambda hours=hours: start + timedelta(hours=hours)
            assert bot.loop.run_until_complete(jobs.escalate(context)) == 1
        left = [m for m in told(bot, SECRETARY, ticket) if "梅园社区" in m["text"]]
        assert len(left) == 1 and "上报至" in left[0]["text"]
        with tree.session() as s:
            need_id = s.scalar(select(Need.id).where(Need.ticket == ticket))
        bot.runtime.clock = lambda: start + timedelta(hours=51)
        bot.press(LIAISON, f"nc:accept:{need_id}")
        bot.press(LIAISON, f"nc:resolve:{need_id}")
        bot.send(LIAISON, "电梯已修好")
        visit = last(bot.request.sent, LEADER)
        bot.press(LEADER, button(visit, "回访"))
        for label in ("是", "是", "满意"):
            bot.press(LEADER, button(last(bot.request.sent, LEADER), label))
        assert told(bot, LIAISON, "已关闭") and told(bot, LIAISON, ticket)
        with tree.session() as s:
            assert s.scalar(select(func.count()).select_from(OutboxNotice).where(OutboxNotice.status != "sent")) == 0


def test_notices_queued_while_down_are_sent_after_the_restart(bot_settings, tree, telegram_emulator):
    emu = telegram_emulator
    chat = emu.new_chat_id()
    settings = bot_settings.model_copy(update={
        "telegram_bot_token": emu.token, "telegram_api_base_url": emu.base_url,
        "telegram_file_base_url": emu.base_file_url, "outbox_tick_seconds": 0.3})
    with run_app(build_application(Runtime(settings))):
        emu.send_command(chat, f"/start {make_code(settings, tree, 'branch_secretary', 'MY01')}")
        emu.wait_for_reply(chat, "注册成功")
    with tree.session() as s:  # the bot is down (or was killed): the notice waits in SQL
        person = account_of(s, "telegram", str(chat)).person_id
        notices.queue(s, "test", accounts_for(s, [person]), lambda lang: "停机期间的通知",
                      lambda lang: [[("查看", "nc:open:1")]], channel="telegram", now=utcnow())
    with run_app(build_application(Runtime(settings))):
        message = emu.wait_for_reply(chat, "停机期间的通知")
        assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "nc:open:1"
    assert [r.status for r in rows(tree)] == ["sent"]
