"""Digests through the real handlers (both databases): /digest with its chart, /export, /digest_help, scope,
the schedule firing by a controllable clock, the outbox retrying a failed send where it stopped, and the
digest delivered end to end through the Bot API emulator (text and photo)."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from telegram.ext import CallbackContext

from assistant.handlers.app import build_application
from assistant.handlers import sender
from assistant.handlers.digest import digest as digest_handlers
from assistant.runtime import Runtime
from assistant.digest.outbox import CHUNK_SEPARATOR
from assistant.org.tree import find_unit
from assistant.org.people import create_person
from assistant.storage.models import DigestDelivery, Need

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code
from .test_needs import last, register

COMMUNITY, SECRETARY, OTHER, STREET, RESIDENT = 901, 902, 903, 904, 905
WED_0800 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # Wednesday 08:00 in Shanghai


def seed_needs(db, now: datetime, compound: str = "MY01", n: int = 3) -> None:
    """n elevator needs filed an hour before `now` in the compound's first building (the day before too)."""
    with db.session() as s:
        person = create_person(s, "居民", None)
        unit = find_unit(s, compound)
        building = unit.children[0]
        for i in range(n):
            at = now - timedelta(hours=1 + 24 * (i % 2))
            s.add(Need(ticket=f"D-{compound}-{i}", compound_id=unit.id, building_id=building.id, level_unit_id=unit.id,
                       category="elevator", description="电梯坏了", urgency="normal", status="new",
                       submitter_id=person.id, created_at=at, accept_due_at=at + timedelta(hours=2),
                       resolve_due_at=at + timedelta(days=2)))


def to(sent: list[dict], chat_id: int) -> list[dict]:
    return [m for m in sent if int(m.get("chat_id", 0)) == chat_id]


def test_digest_command_chart_export_help_and_scope(bot_settings, tree):
    seed_needs(tree, datetime.now(UTC))
    seed_needs(tree, datetime.now(UTC), "JT01", 2)
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((COMMUNITY, "community", "梅园社区"), (OTHER, "branch_secretary", "JT02"),
                                 (RESIDENT, "resident", "MY01-1")):
            register(bot, bot_settings, tree, user, role, unit)
        sent = bot.process(message_update(COMMUNITY, "/digest 近7天"))
        texts = [m["text"] for m in sent if m["method"] == "sendMessage"]
        assert "梅园社区 工作简报" in texts[0] and "新增 3" in texts[0] and "梅园新村" in texts[0]
        assert "敬亭" not in "".join(texts)  # another community's needs never show
        photo = [m for m in sent if m["method"] == "sendPhoto"]
        assert len(photo) == 1 and "每日新增诉求" in photo[0]["caption"]
        other = bot.send(OTHER, "/digest")  # 书香门第 has no needs: a quiet digest of two lines
        assert len(other) == 1 and len(other[0].splitlines()) == 2 and "本期平稳" in other[0]
        assert "您的角色不能进行此操作" in bot.send(RESIDENT, "/digest")[0]
        assert "无法识别的时段" in bot.send(COMMUNITY, "/digest decade")[0]
        assert "响应率 = 在签收时限内签收的诉求数" in bot.send(COMMUNITY, "/digest_help")[0]
        bot.send(COMMUNITY, "/digest 近7天")
        document = last(bot.process(message_update(COMMUNITY, "/export")), COMMUNITY)  # the period of the last /digest
        assert document["method"] == "sendDocument" and "诉求及处理记录" in document["caption"]
        assert "近7天" in document["caption"]
        ranged = last(bot.process(message_update(COMMUNITY, "/export 2026-11-01 2026-11-30")), COMMUNITY)
        assert "2026-11-01 至 2026-11-30" in ranged["caption"]
        assert "没有 2026-02-30 这一天" in bot.send(COMMUNITY, "/export 2026-02-30..2026-03-02")[0]
        english = bot.send(COMMUNITY, "/digest lastmonth", lang="en")
        assert "last month" in english[0]


def test_the_export_is_named_by_its_local_days(bot_settings, tree):
    """/export's file name gives the period's days in the deployment's zone (Asia/Shanghai): at 01:30 on 12-02
    there, 17:30 on 12-01 UTC, today's workbook is of 12-02; a named period gives its days, not its key."""
    late = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    seed_needs(tree, late)
    with OfflineBot(bot_settings) as bot:
        register(bot, bot_settings, tree, COMMUNITY, "community", "梅园社区")
        bot.runtime.clock = lambda: late

        def name(command: str) -> str:
            document = last(bot.process(message_update(COMMUNITY, command)), COMMUNITY)
            return document["files"]["document"][0]

        assert name("/export 今天") == "梅园社区-2026-12-02.xlsx"
        assert name("/export 本周") == "梅园社区-2026-11-30_2026-12-02.xlsx"  # since Monday there
        assert name("/export 2026-11-01..2026-11-30") == "梅园社区-2026-11-01_2026-11-30.xlsx"


def test_schedule_fires_by_the_clock_once_and_respects_digest_off(bot_settings, tree):
    seed_needs(tree, WED_0800)
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((COMMUNITY, "community", "梅园社区"), (SECRETARY, "branch_secretary", "MY01"),
                                 (OTHER, "branch_secretary", "JT02"), (STREET, "street", "澄江街道")):
            register(bot, bot_settings, tree, user, role, unit)
        assert "已关闭定时简报" in bot.send(OTHER, "/digest_off")[0]
        context = CallbackContext(bot.app)
        tick = lambda: bot.loop.run_until_complete(digest_handlers.tick(context))
        bot.runtime.clock = lambda: WED_0800
        before = len(bot.request.sent)
        assert tick() == 0  # first run on this database: nothing due
        bot.runtime.clock = lambda: WED_0800 + timedelta(minutes=31)  # 08:31: the daily slot
        assert tick() == 2  # the community and the compound; the street waits for Monday; OTHER switched off
        sent = bot.request.sent[before:]
        assert {int(m["chat_id"]) for m in sent} == {COMMUNITY, SECRETARY}
        mine = to(sent, SECRETARY)
        assert "昨天" in mine[0]["text"] and "新增 1" in mine[0]["text"] and mine[-1]["method"] == "sendPhoto"
        assert tick() == 0  # the same slot never twice
        bot.runtime.clock = lambda: WED_0800 + timedelta(days=5, hours=1, minutes=1)  # Monday 09:01
        before = len(bot.request.sent)
        tick()
        weekly = {int(m["chat_id"]) for m in bot.request.sent[before:]}
        assert STREET in weekly and OTHER not in weekly
        assert "上周" in to(bot.request.sent[before:], STREET)[0]["text"]
        bot.send(OTHER, "/digest_on")
        bot.runtime.clock = lambda: WED_0800 + timedelta(days=6, minutes=31)  # Tuesday 08:31
        before = len(bot.request.sent)
        tick()
        assert OTHER in {int(m["chat_id"]) for m in bot.request.sent[before:]}


def test_a_failed_send_is_retried_from_where_it_stopped(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
        with tree.session() as s:
            row = DigestDelivery(slot="test", person_id=s.scalar(select(Need.submitter_id).limit(1)) or 1,
                                 channel="telegram", external_id=str(SECRETARY), unit_id=find_unit(s, "MY01").id,
                                 period="today", text=CHUNK_SEPARATOR.join(["第一段", "第二段", "第三段"]),
                                 chart_png=None, next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
            from assistant.org.invites import account_of

            row.person_id = account_of(s, "telegram", str(SECRETARY)).person_id
            s.add(row)
        failing = {"count": 0}
        original = bot.request.do_request

        async def flaky(url, method, request_data=None, **kwargs):
            text = request_data.parameters.get("text") if request_data else None
            if text == "第二段" and failing["count"] < 1:
                failing["count"] += 1
                return 400, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: try again"}).encode()
            return await original(url, method, request_data, **kwargs)

        bot.request.do_request = flaky
        context = CallbackContext(bot.app)
        assert bot.loop.run_until_complete(sender.send_digests(context)) == 0
        with tree.session() as s:
            row = s.scalars(select(DigestDelivery)).one()
            assert (row.status, row.parts_sent, row.attempts) == ("pending", 1, 1) and "Try again" in row.last_error
        assert bot.loop.run_until_complete(sender.send_digests(context)) == 0  # not due yet (backoff)
        bot.runtime.clock = lambda: datetime.now(UTC) + timedelta(minutes=2)
        assert bot.loop.run_until_complete(sender.send_digests(context)) == 1
        texts = [m["text"] for m in to(bot.request.sent, SECRETARY) if m["text"].startswith("第")]
        assert texts == ["第一段", "第二段", "第三段"]  # nothing sent twice, nothing lost
        with tree.session() as s:
            assert s.scalars(select(DigestDelivery.status)).one() == "sent"


def test_one_tick_sends_the_whole_outbox_not_just_one_batch(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        for job in bot.app.job_queue.get_jobs_by_name(sender.OUTBOX_JOB):  # the one tick under test sends alone (the
            job.schedule_removal()  # job, due 5 s after start, could hold a claimed row when the tick returns)
        register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
        with tree.session() as s:
            from assistant.org.invites import account_of

            person = account_of(s, "telegram", str(SECRETARY)).person_id
            unit = find_unit(s, "MY01").id
            s.add_all(DigestDelivery(slot=f"bulk-{i}", person_id=person, channel="telegram", external_id=str(SECRETARY),
                                     unit_id=unit, period="today", text=f"简报 {i}", chart_png=None,
                                     next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)) for i in range(150))
        assert bot.loop.run_until_complete(sender.send_digests(CallbackContext(bot.app))) == 150
        with tree.session() as s:
            assert set(s.scalars(select(DigestDelivery.status))) == {"sent"}
        texts = [m["text"] for m in to(bot.request.sent, SECRETARY) if m["text"].startswith("简报")]
        assert sorted(texts) == sorted(f"简报 {i}" for i in range(150))  # each once


@pytest.fixture
def e2e_settings(bot_settings, telegram_emulator):
    return bot_settings.model_copy(update={
        "telegram_bot_token": telegram_emulator.token, "telegram_api_base_url": telegram_emulator.base_url,
        "telegram_file_base_url": telegram_emulator.base_file_url, "digest_tick_seconds": 0.3,
    })


def test_digest_delivered_end_to_end_with_its_chart(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    chat = emu.new_chat_id()
    clock = {"now": WED_0800}
    seed_needs(tree, WED_0800)
    rt = Runtime(e2e_settings)
    rt.clock = lambda: clock["now"]
    with run_app(build_application(rt)):
        emu.send_command(chat, f"/start {make_code(e2e_settings, tree, 'community', '梅园社区')}")
        emu.wait_for_reply(chat, "注册成功")
        emu.send_command(chat, "/digest week")
        emu.wait_for_reply(chat, "梅园社区 工作简报")
        emu.wait_for_reply(chat, lambda m: bool(m.get("photo")))
        time.sleep(1)  # the digest job has run once at 08:00 (nothing due)
        clock["now"] = WED_0800 + timedelta(minutes=31)
        scheduled = emu.wait_for_reply(chat, lambda m: "昨天" in (m.get("text") or ""))
        assert "新增 1" in scheduled["text"]
        photo = emu.wait_for_reply(chat, lambda m: bool(m.get("photo")))
        assert "每日新增诉求" in photo.get("caption", "")
    with tree.session() as s:
        assert s.scalars(select(DigestDelivery.status)).all() == ["sent"]
