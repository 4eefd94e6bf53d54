"""/evaluate and /ratings through the real handlers: offline (both databases) and end to end (emulator)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from assistant.property import evaluations
from assistant.org.tree import find_unit
from assistant.storage.models import Evaluation, EvaluationScore

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from ..helpers.offline import OfflineBot, message_update
from .test_e2e import bot as e2e_bot
from .test_e2e import e2e_settings  # noqa: F401  (fixture)
from .test_e2e import register as e2e_register
from .test_needs import button, last, register

SECRETARY, LEADER, COMMUNITY, OTHER_SECRETARY = 801, 802, 803, 804
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # period 2026H2


def contract(db, compound: str = "MY01") -> None:
    with db.session() as s:
        company = evaluations.find_company(s, "安居物业") or evaluations.add_company(s, "安居物业")
        evaluations.add_contract(s, company.id, find_unit(s, compound).id,
                                 date(2025, 1, 1))


@pytest.fixture
def staff(bot_settings, tree):
    contract(tree)
    with OfflineBot(bot_settings) as bot:
        register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
        register(bot, bot_settings, tree, LEADER, "building_leader", "MY01-1")
        register(bot, bot_settings, tree, COMMUNITY, "community", "梅园社区")
        register(bot, bot_settings, tree, OTHER_SECRETARY, "branch_secretary", "MY02")
    return bot_settings


def score_all(bot, user: int, step: dict, deductions: dict[str, tuple[str, str]]) -> dict:
    """Answer every item: full marks unless the item's label is in `deductions` (typed score, reason)."""
    while "满分" in step["text"] and "请选择得分" in step["text"]:
        label = next((k for k in deductions if k in step["text"]), None)
        if label is None:
            step = last(bot.press(user, button(step, "（满分）")), user)
            continue
        typed, reason = deductions[label]
        step = last(bot.process(message_update(user, typed)), user)
        assert "扣分原因" in step["text"]
        step = last(bot.process(message_update(user, reason)), user)
    return step


def start(bot, user: int) -> dict:
    step = last(bot.process(message_update(user, "/evaluate")), user)
    step = last(bot.press(user, button(step, "安居物业 · 梅园新村")), user)
    assert "考核期" in step["text"] and [b for b, _ in bot.buttons(step)] == ["2026H2", "2026H1"]
    return step


def test_a_half_finished_evaluation_survives_a_restart(staff, tree):
    with OfflineBot(staff) as bot:
        bot.runtime.clock = lambda: T0
        step = start(bot, SECRETARY)
        step = last(bot.process(message_update(SECRETARY, "2026H2")), SECRETARY)
        step = last(bot.press(SECRETARY, button(step, "25")), SECRETARY)
        step = last(bot.process(message_update(SECRETARY, "12")), SECRETARY)
        assert "扣分原因" in step["text"]
    with OfflineBot(staff) as bot:  # a new process on the same database: the draft and the step are back
        bot.runtime.clock = lambda: T0
        step = last(bot.process(message_update(SECRETARY, "党员员工未亮身份")), SECRETARY)
        assert "参加联席会议（满分 20 分）" in step["text"]
        step = score_all(bot, SECRETARY, step, {})
        review = last(bot.press(SECRETARY, "ev:done"), SECRETARY)
        assert "党建工作：97 分" in review["text"] and "党员员工未亮身份" in review["text"]
        assert "第 1 版" in bot.press(SECRETARY, "ev:submit")[-1]["text"]


def test_evaluate_score_veto_review_submit_and_resubmit(staff, tree):
    with OfflineBot(staff) as bot:
        bot.runtime.clock = lambda: T0
        assert "您的角色不能进行此操作" in bot.send(LEADER, "/evaluate")[0]  # a building leader cannot evaluate
        assert "没有登记物业服务合同" in bot.send(OTHER_SECRETARY, "/evaluate")[0]
        step = start(bot, SECRETARY)
        assert "按 2026H2 的格式" in bot.send(SECRETARY, "2026-07")[0]
        step = last(bot.process(message_update(SECRETARY, "2026h2")), SECRETARY)
        assert "【党建工作】1/6 党组织建设（满分 25 分）" in step["text"]
        assert [b for b, _ in bot.buttons(step)] == ["25（满分）", "24", "23", "20"]
        step = last(bot.press(SECRETARY, button(step, "25")), SECRETARY)
        assert "党员员工作用（满分 15 分）" in step["text"]
        for bad in ("16", "-1", "7.25", "很好"):
            assert "0 到 15 之间" in bot.send(SECRETARY, bad)[0], bad
        step = last(bot.process(message_update(SECRETARY, "12.5分")), SECRETARY)
        assert "扣 2.5 分" in step["text"]
        sent = bot.process(message_update(SECRETARY, "党员员工未亮身份"))
        step = score_all(bot, SECRETARY, last(sent, SECRETARY), {"设施设备": ("14", "电梯维保记录缺失")})
        texts = [m["text"] for m in bot.request.sent if int(m.get("chat_id", 0)) == SECRETARY]
        assert any("暂无需求回访记录" in x for x in texts)  # the evidence beside the service part
        assert "一票否决项" in step["text"]
        step = last(bot.press(SECRETARY, "ev:v:major_accident"), SECRETARY)
        assert "☑ 发生重大安全责任事故" in [b for b, _ in bot.buttons(step)]
        step = last(bot.press(SECRETARY, "ev:v:refuse_rectify"), SECRETARY)
        step = last(bot.press(SECRETARY, "ev:v:refuse_rectify"), SECRETARY)  # unticked again
        assert "☐ 拒不整改存在的问题" in [b for b, _ in bot.buttons(step)]
        assert "说明一票否决的事实" in last(bot.press(SECRETARY, "ev:done"), SECRETARY)["text"]
        review = last(bot.process(message_update(SECRETARY, "2026年9月3日电梯困人致伤")), SECRETARY)
        assert "党建工作：97.5 分" in review["text"] and "服务质量：94 分" in review["text"]
        assert "电梯维保记录缺失" in review["text"] and "一票否决：发生重大安全责任事故" in review["text"]
        assert "☆☆☆☆☆" in review["text"]
        assert "第 1 版" in bot.press(SECRETARY, button(review, "提交"))[-1]["text"]
        ratings = bot.send(SECRETARY, "/ratings")[0]
        assert "安居物业 · 梅园新村" in ratings and "（一票否决）" in ratings
        # resubmission: told it replaces the first, which is kept
        start(bot, SECRETARY)
        sent = bot.press(SECRETARY, "ev:p:2026H2")
        assert any("第 1 版" in m["text"] and "替换" in m["text"] for m in sent)
        step = score_all(bot, SECRETARY, last(sent, SECRETARY), {})
        review = last(bot.press(SECRETARY, "ev:done"), SECRETARY)
        assert "本人评分综合 100 分，★★★★★" in review["text"]
        assert "第 2 版" in bot.press(SECRETARY, "ev:submit")[-1]["text"]
        assert "综合 100，★★★★★" in bot.send(COMMUNITY, "/ratings")[0]
        assert "total 100" in bot.send(COMMUNITY, "/ratings", lang="en")[0]
        assert "您的角色不能进行此操作" in bot.send(LEADER, "/ratings")[0]
        assert "2026H1 暂无" in bot.send(COMMUNITY, "/ratings 2026H1")[0]
        assert "安居物业 · 梅园新村：2026H2 100 分 ★★★★★" in bot.send(COMMUNITY, "/ratings history")[0]
        assert "2026H2 100 ★★★★★" in bot.send(COMMUNITY, "/ratings history", lang="en")[0]
        assert "您的角色不能进行此操作" in bot.send(LEADER, "/ratings 历史")[0]
    with tree.session() as s:
        rows = s.scalars(select(Evaluation).order_by(Evaluation.version)).all()
        assert [(r.version, r.current, r.vetoed) for r in rows] == [(1, False, True), (2, True, False)]
        notes = s.scalars(select(EvaluationScore.note).where(EvaluationScore.evaluation_id == rows[0].id,
                                                             EvaluationScore.note.is_not(None))).all()
        assert sorted(notes) == ["党员员工未亮身份", "电梯维保记录缺失"]


def test_cancel_keeps_nothing(staff, tree):
    with OfflineBot(staff) as bot:
        bot.runtime.clock = lambda: T0
        start(bot, COMMUNITY)
        step = last(bot.press(COMMUNITY, "ev:p:2026H1"), COMMUNITY)
        step = score_all(bot, COMMUNITY, step, {})
        review = last(bot.press(COMMUNITY, "ev:done"), COMMUNITY)
        assert "已取消" in last(bot.press(COMMUNITY, button(review, "取消")), COMMUNITY)["text"]
        start(bot, COMMUNITY)
        assert "已取消" in bot.send(COMMUNITY, "/cancel")[0]
    with tree.session() as s:
        assert s.scalars(select(Evaluation)).first() is None


def test_evaluate_end_to_end(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    secretary, community = emu.new_chat_id(), emu.new_chat_id()
    contract(tree, "JT01")
    with run_app(e2e_bot(e2e_settings)):
        e2e_register(emu, e2e_settings, tree, (secretary, "branch_secretary", "JT01"),
                     (community, "community", "敬亭社区"))
        emu.send_command(secretary, "/evaluate")
        choice = emu.wait_for_reply(secretary, "请选择要评价的物业企业")
        emu.press_button(secretary, choice, "安居物业 · 敬亭苑")
        periods = emu.wait_for_step(secretary, choice, "考核期")  # the choice edited in place
        emu.send_message(secretary, periods_label(periods))
        step = emu.wait_for_reply(secretary, "请选择得分")  # typed: a new message
        for n in range(13):
            asked = step["text"]

            def following(m, asked=asked):
                return m.get("text") != asked and any(k in (m.get("text") or "") for k in ("请选择得分", "一票否决项"))

            if "环境卫生" in asked:
                emu.send_message(secretary, "10")
                emu.wait_for_reply(secretary, "扣 5 分")
                emu.send_message(secretary, "垃圾清运不及时")
                step = emu.wait_for_reply(secretary, following)
            else:
                emu.press_button(secretary, step, "满分")
                step = emu.wait_for_step(secretary, step, following)
        veto = step
        assert "一票否决项" in veto["text"]
        emu.press_button(secretary, veto, "完成")
        review = emu.wait_for_step(secretary, veto, "请核对")
        assert "服务质量：95 分" in review["text"]
        emu.press_button(secretary, review, "提交")
        emu.wait_for_step(secretary, review, "第 1 版")
        emu.send_command(community, "/ratings")
        emu.wait_for_reply(community, "安居物业 · 敬亭苑：党建 100，服务 95，综合 97.5，★★★★★")


def periods_label(message: dict) -> str:
    """The first period offered (the current one), typed rather than pressed."""
    return message["reply_markup"]["inline_keyboard"][0][0]["text"]
