"""Service points (clause 7) and negative-behaviour cases (clause 8) through the real handlers, offline (both databases)."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram.ext import CallbackContext, MessageHandler

from assistant.handlers.party import cases as case_handlers
from assistant.handlers.party import points as point_handlers
from assistant.handlers import router as text
from assistant.policy.loader import load_party_policy
from assistant.party.checkins import CheckinForm, decide, start_checkin, submit_checkin
from assistant.org.tree import find_unit
from assistant.org.people import create_person
from assistant.storage.models import NegativeCase, PointEntry, utcnow

from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code
from .test_needs import button, last, register

LEADER, SECRETARY, OTHER_LEADER, OTHER_SECRETARY, MEMBER, CONTACT, COMMUNITY = 701, 702, 703, 704, 705, 706, 707
CONTACT_PHONE = "13700001111"
MEMBER_NAME = "王党员"


def offline_bot(settings) -> OfflineBot:
    """An OfflineBot with the two conversations registered where app.py puts them (before plain text), unless
    app.py already registers them."""
    bot = OfflineBot(settings)
    group = bot.app.handlers[0]
    if any(getattr(h, "name", None) in ("points", "cases") for h in group):
        return bot
    at = next(i for i, h in enumerate(group) if isinstance(h, MessageHandler) and h.callback is text.plain_text)
    for handler in (point_handlers.build_handler(), case_handlers.build_handler()):
        bot.app.add_handler(handler)
        group.remove(handler)
        group.insert(at, handler)
        at += 1
    return bot


def person_of(db, user_id: int) -> int:
    from assistant.org.invites import account_of

    with db.session() as session:
        return account_of(session, "telegram", str(user_id)).person_id


@pytest.fixture
def team(bot_settings, tree):
    """Officers registered by invite; a member of 梅园新村 (MY01) with a confirmed check-in; the unit contact."""
    with tree.session() as s:
        member = create_person(s, MEMBER_NAME, "13800000705")
        contact = create_person(s, "住建局联系人", CONTACT_PHONE)
    member_code = make_code(bot_settings, tree, "resident", "MY01", person=member)
    contact_code = make_code(bot_settings, tree, "resident", "MY02", person=contact)
    with offline_bot(bot_settings) as bot:
        register(bot, bot_settings, tree, LEADER, "building_leader", "MY01-3")
        register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
        register(bot, bot_settings, tree, OTHER_LEADER, "building_leader", "MY02-1")
        register(bot, bot_settings, tree, OTHER_SECRETARY, "branch_secretary", "MY02")
        register(bot, bot_settings, tree, COMMUNITY, "community", "梅园社区")
        assert "注册成功" in bot.send(MEMBER, f"/start {member_code}")[0]
        assert "注册成功" in bot.send(CONTACT, f"/start {contact_code}")[0]
    party = load_party_policy()
    member_id, secretary_id = person_of(tree, MEMBER), person_of(tree, SECRETARY)
    with tree.session() as s:
        started = start_checkin(s, member_id)
        form = CheckinForm(work_unit="宣城市住建局", work_unit_party_org="市住建局机关党委",
                           compound_id=find_unit(s, "MY01").id, phone="13800000705",
                           work_unit_contact=f"{CONTACT_PHONE[:3]}-{CONTACT_PHONE[3:]}")
        submit_checkin(s, party, started.id, form)
        decide(s, started.id, secretary_id, True)
    return bot_settings


def to(sent: list[dict], chat_id: int) -> list[str]:
    return [m.get("text", "") for m in sent if int(m.get("chat_id", 0)) == chat_id]


def test_record_points_dates_correction_and_leaderboard(team, tree):
    with offline_bot(team) as bot:
        menu = last(bot.process(message_update(LEADER, "/points")), LEADER)
        assert "累计 0 分" in menu["text"]
        step = last(bot.press(LEADER, button(menu, "记分")), LEADER)
        step = last(bot.press(LEADER, button(step, MEMBER_NAME)), LEADER)
        assert MEMBER_NAME in step["text"] and "志愿服务（+5分）" in [b for b, _ in bot.buttons(step)]
        step = last(bot.press(LEADER, button(step, "志愿服务")), LEADER)
        assert "活动日期" in step["text"]
        for typed, refusal in [("2099-01-01", "不能晚于今天"), ("1921-06-30", "不能早于 1921"), ("昨天", "日期格式不对"),
                               ("2026-02-30", "没有这一天"), ("2-29", "没有这一天")]:  # 2026 is no leap year
            answer = bot.send(LEADER, typed)
            assert refusal in answer[0] and "活动日期" in answer[-1]  # refused, then asked again
        assert "There is no such day" in bot.send(LEADER, "2026/4/31", lang="en")[0]
        step = last(bot.press(LEADER, "pts:today"), LEADER)
        assert "备注" in step["text"]
        sent = bot.process(message_update(LEADER, "清理楼道杂物"))
        assert "已记分" in to(sent, LEADER)[-1]
        assert any("+5" in m and "清理楼道杂物" in m for m in to(sent, MEMBER))  # the member is told
        mine = last(bot.process(message_update(MEMBER, "/points")), MEMBER)
        assert "累计 5 分，本月 5 分，支部排名 1" in mine["text"]
        assert [b for b, _ in bot.buttons(mine)] == ["本月排行榜"]  # a member records nothing
        board = to(bot.press(MEMBER, button(mine, "排行榜")), MEMBER)[-1]
        assert f"1. {MEMBER_NAME} 5 分" in board and "党员先锋岗" in board and MEMBER_NAME in board.split("先锋岗")[1]
        # a correction is a new entry: the total goes back, the original row stays
        bot.press(SECRETARY, "pts:fix")
        step = last(bot.press(SECRETARY, f"pts:m:{person_of(tree, MEMBER)}"), SECRETARY)
        step = last(bot.press(SECRETARY, button(step, "志愿服务 +5")), SECRETARY)
        assert "更正原因" in step["text"]
        sent = bot.process(message_update(SECRETARY, "记错了人"))
        assert "已更正" in to(sent, SECRETARY)[-1] and any("记错了人" in m for m in to(sent, MEMBER))
        assert "累计 0 分" in bot.send(MEMBER, "/points")[0]
        step = last(bot.press(SECRETARY, "pts:fix"), SECRETARY)
        assert "没有可更正" in last(bot.press(SECRETARY, button(step, MEMBER_NAME)), SECRETARY)["text"]
    with tree.session() as s:
        assert [e.points for e in s.scalars(select(PointEntry).order_by(PointEntry.id))] == [5, -5]


def test_leader_of_another_compound_cannot_record(team, tree):
    member_id = person_of(tree, MEMBER)
    with offline_bot(team) as bot:
        step = last(bot.press(OTHER_LEADER, "pts:rec"), OTHER_LEADER)
        assert MEMBER_NAME not in str(step.get("reply_markup"))
        assert "没有“王党员”" in bot.send(OTHER_LEADER, MEMBER_NAME)[0]  # not in the roster they look after
        refused = last(bot.press(OTHER_LEADER, f"pts:m:{member_id}"), OTHER_LEADER)  # a forged button
        assert "只有该党员所在小区的楼栋长和支部委员可以记分" in refused["text"]
        assert "您的角色不能进行此操作" in bot.send(MEMBER, "/case")[0]
    with tree.session() as s:
        assert s.scalars(select(PointEntry)).first() is None


def open_case(bot, tree) -> int:
    step = last(bot.process(message_update(SECRETARY, "/case")), SECRETARY)
    step = last(bot.press(SECRETARY, button(step, MEMBER_NAME)), SECRETARY)
    step = last(bot.press(SECRETARY, button(step, "违反小区物业管理规定")), SECRETARY)
    assert "描述事实" in step["text"]
    assert "5–2000" in bot.send(SECRETARY, "堆杂物")[0]  # too short: asked again
    step = last(bot.process(message_update(SECRETARY, "楼道堆放杂物，经提醒未清理")), SECRETARY)
    assert "整改期限" in step["text"]
    answer = bot.send(SECRETARY, "2020-01-01")
    assert "不能早于今天" in answer[0] and "整改期限" in answer[-1]
    answer = bot.send(SECRETARY, "2099年2月30日")
    assert "没有这一天" in answer[0] and "格式" not in answer[0] and "整改期限" in answer[-1]
    sent = bot.press(SECRETARY, button(step, "默认期限"))
    assert "已记录" in to(sent, SECRETARY)[-1]
    told = [m for m in sent if int(m.get("chat_id", 0)) == MEMBER][-1]
    assert "楼道堆放杂物" in told["text"] and "整改到位" in told["text"]
    with tree.session() as s:
        return s.scalars(select(NegativeCase.id)).one()


def test_case_reply_rectify_and_visibility(team, tree):
    with offline_bot(team) as bot:
        case_id = open_case(bot, tree)
        told = [m for m in bot.request.sent if int(m.get("chat_id", 0)) == MEMBER][-1]
        assert "请输入您的回复" in last(bot.press(MEMBER, button(told, "回复")), MEMBER)["text"]
        sent = bot.process(message_update(MEMBER, "本周内清理完毕"))
        assert "已记录" in to(sent, MEMBER)[-1] and any("本周内清理完毕" in m for m in to(sent, SECRETARY))
        for user_id in (MEMBER, SECRETARY, COMMUNITY):
            listing = bot.send(user_id, "/cases")[0]
            assert f"#{case_id} {MEMBER_NAME}" in listing and "整改中" in listing, user_id
        for user_id in (OTHER_SECRETARY, OTHER_LEADER, LEADER):
            assert "没有您可查看" in bot.send(user_id, "/cases")[0], user_id
        assert "没有权限" in last(bot.press(OTHER_SECRETARY, f"cs:ok:{case_id}"), OTHER_SECRETARY)["text"]
        assert "没有权限" in last(bot.press(MEMBER, f"cs:ok:{case_id}"), MEMBER)["text"]
        sent = bot.press(SECRETARY, f"cs:ok:{case_id}")
        assert "已整改" in to(sent, SECRETARY)[-1] and any("整改到位" in m for m in to(sent, MEMBER))
    with tree.session() as s:
        case = s.get(NegativeCase, case_id)
        assert (case.status, case.member_reply) == ("rectified", "本周内清理完毕")


def test_sweep_job_marks_unrectified_and_notifies_once(team, tree):
    with offline_bot(team) as bot:
        case_id = open_case(bot, tree)
        context = CallbackContext(bot.app)
        assert bot.loop.run_until_complete(case_handlers.sweep(context)) == 0
        bot.runtime.clock = lambda: utcnow() + timedelta(days=32)  # past the 30-day default deadline
        before = len(bot.request.sent)
        assert bot.loop.run_until_complete(case_handlers.sweep(context)) == 1
        assert bot.loop.run_until_complete(case_handlers.sweep(context)) == 0  # exactly once
        sent = bot.request.sent[before:]
        notice = to(sent, CONTACT)
        assert len(notice) == 1 and MEMBER_NAME in notice[0] and "市住建局机关党委" in notice[0]
        branch = to(sent, SECRETARY)
        assert len(branch) == 1 and "未整改" in branch[0] and "已向其单位党组织联系人发送通报" in branch[0]
        assert "未整改" in bot.send(MEMBER, "/cases")[0]
        assert f"#{case_id}" in bot.send(CONTACT, "/cases")[0]  # the unit contact may see it
    with tree.session() as s:
        case = s.get(NegativeCase, case_id)
        assert case.status == "unrectified" and case.notice_board and case.notice_sent_at is not None
