"""The needs list through the real handlers, offline (both databases): intake, handling, visits, escalation."""
from datetime import timedelta

import pytest
from telegram.ext import CallbackContext

from assistant.handlers import jobs
from assistant.handlers.durable import FORMS
from assistant.messages import t
from assistant.needs import resources
from assistant.org.tree import find_unit
from assistant.policy import default_needs_policy
from assistant.storage import kv
from assistant.storage.models import Need, NeedEvent, ProcessedUpdate, utcnow

from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code

LEADER, SECRETARY, LIAISON, OTHER_LEADER, COMMUNITY = 601, 602, 603, 604, 605


def register(bot, settings, db, user_id, role, unit):
    assert "注册成功" in bot.send(user_id, f"/start {make_code(settings, db, role, unit)}")[0]


def button(message: dict, label_part: str) -> str:
    """The callback data of the button whose label contains `label_part`."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for b in row:
            if label_part in b["text"]:
                return b["callback_data"]
    raise AssertionError(f"no button {label_part!r} in {message.get('text')!r}")


def last(sent: list[dict], chat_id: int) -> dict:
    """The last message sent to `chat_id` (notifications to others are sent too)."""
    return [m for m in sent if int(m.get("chat_id", 0)) == chat_id][-1]


def file_elevator_need(bot, user_id=LEADER) -> str:
    """Free text → offer → form prefilled → submit; returns the ticket."""
    offer = last(bot.process(message_update(user_id, "3号楼电梯坏了两天了，老人上下楼很不方便")), user_id)
    assert "登记到需求清单" in offer["text"]
    step = last(bot.press(user_id, button(offer, "登记为需求")), user_id)
    assert "哪栋楼" in step["text"]  # one compound only: that step is skipped
    step = last(bot.press(user_id, button(step, "✓ 3栋")), user_id)
    step = last(bot.press(user_id, button(step, "✓ 电梯")), user_id)
    assert "老人上下楼" in step["text"]
    step = last(bot.press(user_id, button(step, "使用原文")), user_id)
    step = last(bot.press(user_id, button(step, "一般")), user_id)
    step = last(bot.press(user_id, button(step, "不记录")), user_id)
    step = last(bot.press(user_id, button(step, "跳过")), user_id)
    assert "请确认需求" in step["text"] and "3栋" in step["text"] and "电梯" in step["text"]
    done = last(bot.press(user_id, button(step, "提交")), user_id)
    assert "需求已登记" in done["text"]
    return done["text"].split("编号 ")[1].split("。")[0]


@pytest.fixture
def team(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        register(bot, bot_settings, tree, LEADER, "building_leader", "MY01-3")
        register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
        register(bot, bot_settings, tree, LIAISON, "property_liaison", "MY01")
        register(bot, bot_settings, tree, OTHER_LEADER, "building_leader", "MY02-1")
        register(bot, bot_settings, tree, COMMUNITY, "community", "梅园社区")
    return bot_settings


def test_file_handle_and_close_a_need(team, tree):

    with tree.session() as session:
        resources.add_resource(session, "梅园志愿服务队", find_unit(session, "MY01").id, ["elevator", "repair"], policy=default_needs_policy(),
                           contact="13900001111", availability="周末")
    with OfflineBot(team) as bot:
        ticket = file_elevator_need(bot)
        # the liaison (property company) and the branch were told, with a link and the matching resources
        told = [m for m in bot.request.sent if m.get("chat_id") == LIAISON and ticket in m.get("text", "")]
        assert told and "/need_" in told[0]["text"]
        branch = [m for m in bot.request.sent if m.get("chat_id") == SECRETARY and ticket in m.get("text", "")]
        assert branch and "梅园志愿服务队" in branch[0]["text"]
        need_id = int(told[0]["text"].split("/need_", 1)[1].split()[0])
        # another compound's building leader cannot even see it: told as for a need that does not exist
        assert bot.send(OTHER_LEADER, f"/need_{need_id}")[0] == bot.send(OTHER_LEADER, "/need_999999")[0].replace(
            "999999", str(need_id))
        card = last(bot.process(message_update(LIAISON, f"/need_{need_id}")), LIAISON)
        assert "待签收" in card["text"] and "3号楼电梯" in card["text"]
        sent = bot.press(LIAISON, button(card, "签收"))
        assert any("已签收" in m["text"] for m in sent if m.get("chat_id") == LIAISON)
        assert any("已由" in m["text"] for m in sent if m.get("chat_id") == LEADER)  # the submitter is told
        assert "进展" in bot.press(LIAISON, f"nc:progress:{need_id}")[-1]["text"]
        bot.send(LIAISON, "已联系电梯维保公司，明天上午维修")
        bot.press(LIAISON, f"nc:resolve:{need_id}")
        sent = bot.process(message_update(LIAISON, "更换了门机板，电梯已恢复运行"))
        resolved = last(sent, LEADER)
        assert "稍后将进行回访" in resolved["text"]
        # the return visit by the submitter, from the button on that message: contacted, not solved → reopened
        assert "回访 1/3" in last(bot.press(LEADER, button(resolved, "回访")), LEADER)["text"]
        bot.press(LEADER, "nc:v:1")
        bot.press(LEADER, "nc:v:0")
        reopened = bot.press(LEADER, "nc:v:unsatisfied")
        assert any("已重新打开" in m["text"] for m in reopened)
        todo = bot.send(LIAISON, "/todo")[0]
        assert ticket in todo
        mine = bot.send(LEADER, "/mine")[0]
        assert ticket in mine and "已重新打开" in mine
    with tree.session() as session:
        need = session.query(Need).filter_by(ticket=ticket).one()
        kinds = [e.kind for e in session.query(NeedEvent).filter_by(need_id=need.id).order_by(NeedEvent.id)]
    assert kinds[:2] == ["filed", "routed"] and "accepted" in kinds and kinds[-1] == "reopened"


def test_building_leader_of_another_compound_cannot_handle(team):
    with OfflineBot(team) as bot:
        file_elevator_need(bot)
        listing = last(bot.process(message_update(LEADER, "/mine")), LEADER)
        need_id = int(button(listing, "XQ-").split(":")[2])
        not_found = f"找不到编号为 {need_id} 的需求"  # outside their compound: as if there were no such need
        assert not_found in last(bot.press(OTHER_LEADER, f"nc:accept:{need_id}"), OTHER_LEADER)["text"]
        bot.press(OTHER_LEADER, f"nc:resolve:{need_id}")
        assert not_found in last(bot.process(message_update(OTHER_LEADER, "修好了")), OTHER_LEADER)["text"]
        assert "待签收" in bot.send(LEADER, "/mine")[0]


def test_form_validation_back_question_and_cancel(team):
    with OfflineBot(team) as bot:
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        assert "哪栋楼" in step["text"]
        step = last(bot.press(LEADER, button(step, "1栋")), LEADER)
        step = last(bot.press(LEADER, button(step, "漏水")), LEADER)
        assert "请描述问题" in step["text"]
        assert "5–2000" in bot.send(LEADER, "漏水")[0]  # too short: re-asked
        answer = bot.send(LEADER, "在职党员什么时候报到？")
        assert "6月底" in answer[0] and "请描述问题" in answer[-1]  # answered, then the step again
        step = last(bot.process(message_update(LEADER, "返回")), LEADER)
        assert "需求类别" in step["text"]
        step = last(bot.press(LEADER, button(step, "漏水")), LEADER)
        step = last(bot.process(message_update(LEADER, "1栋302室卫生间漏水到楼下")), LEADER)
        step = last(bot.press(LEADER, button(step, "一般")), LEADER)
        step = last(bot.press(LEADER, button(step, "居民同意")), LEADER)
        bot.send(LEADER, "王阿姨")
        assert "电话格式不对" in bot.send(LEADER, "12345")[0]
        step = last(bot.process(message_update(LEADER, "0563-1234567")), LEADER)
        assert "照片" in step["text"]
        assert bot.send(LEADER, "/cancel") == ["已取消。"]
        assert "还没有登记过需求" in bot.send(LEADER, "/mine")[0]


def test_a_button_of_another_step_asks_the_current_step_again(team):
    with OfflineBot(team) as bot:
        bot.send(LEADER, "/need")  # the building step
        for data in ("nf:k:elevator", "nf:submit", "nf:join:1"):  # an older message's, or a later step's
            said = [m["text"] for m in bot.press(LEADER, f"{data}") if m["chat_id"] == LEADER]
            assert said[0] == t("needform.bad_choice") and "哪栋楼" in said[1], data
        assert "category" not in bot.app.user_data[LEADER]["need_draft"]


def test_a_draft_missing_a_field_goes_back_to_the_step_that_sets_it(team, tree):
    with OfflineBot(team) as bot:
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        step = last(bot.press(LEADER, button(step, "3栋")), LEADER)
        step = last(bot.press(LEADER, button(step, "电梯")), LEADER)
        step = last(bot.process(message_update(LEADER, "3栋电梯按钮失灵，经常停在半层")), LEADER)
        for label in ("一般", "不记录", "跳过"):
            step = last(bot.press(LEADER, button(step, label)), LEADER)
        assert "请确认需求" in step["text"]
        del bot.app.user_data[LEADER]["need_draft"]["category"]  # a draft older than the step it is at
        step = last(bot.press(LEADER, "nf:submit"), LEADER)
        assert "需求类别" in step["text"]
        step = last(bot.press(LEADER, button(step, "漏水")), LEADER)
        assert "请确认需求" in step["text"] and "漏水" in step["text"]  # back to the summary
        assert "需求已登记" in last(bot.press(LEADER, "nf:submit"), LEADER)["text"]
    with tree.session() as session:
        assert [n.category for n in session.query(Need)] == ["leak"]


def test_duplicate_offered_and_joined(team, tree):
    with OfflineBot(team) as bot:
        ticket = file_elevator_need(bot)
        offer = last(bot.process(message_update(SECRETARY, "3号楼电梯坏了两天了，老人上下楼很不方便")), SECRETARY)
        step = last(bot.press(SECRETARY, button(offer, "登记为需求")), SECRETARY)
        for label in ("✓ 3栋", "✓ 电梯", "使用原文", "一般", "不记录", "跳过"):
            step = last(bot.press(SECRETARY, button(step, label)), SECRETARY)
        dup = last(bot.press(SECRETARY, button(step, "提交")), SECRETARY)
        assert ticket in dup["text"]
        joined = last(bot.press(SECRETARY, button(dup, f"并入 {ticket}")), SECRETARY)
        assert f"已并入需求 {ticket}" in joined["text"]
    with tree.session() as session:
        assert session.query(Need).count() == 1


def test_prune_job_forgets_handled_updates_after_the_retention_window(team, tree):
    with OfflineBot(team) as bot:
        file_elevator_need(bot)
        context = CallbackContext(bot.app)
        assert bot.loop.run_until_complete(jobs.prune_processed(context)) == 0
        bot.runtime.clock = lambda: utcnow() + timedelta(hours=team.processed_update_retention_hours + 1)
        assert bot.loop.run_until_complete(jobs.prune_processed(context)) > 0
    with tree.session() as session:
        assert session.query(ProcessedUpdate).count() == 0
        assert kv.get_all(session, FORMS) == {}  # the filed form's record goes with them


def test_deadline_warning_reaches_the_assignee_once_before_the_escalation(team, tree):
    with OfflineBot(team) as bot:
        ticket = file_elevator_need(bot)  # normal: 24 h to accept; the warning at 75 % = 18 h
        context = CallbackContext(bot.app)
        start = utcnow()
        for hours, warned in ((17, 0), (19, 1), (20, 0)):
            bot.runtime.clock = lambda hours=hours: start + timedelta(hours=hours)
            before = len(bot.request.sent)
            assert bot.loop.run_until_complete(jobs.deadlines(context)) == 0  # nothing overdue yet
            notices = [m for m in bot.request.sent[before:] if "临期预警" in m.get("text", "")]
            assert len(notices) == warned
        with tree.session() as session:
            need = session.query(Need).filter_by(ticket=ticket).one()
            assignees = {p.id for p in need.assignees}
        sent = [m for m in bot.request.sent if "临期预警" in m.get("text", "")]
        assert len(sent) == 1 and ticket in sent[0]["text"] and "签收时限" in sent[0]["text"]
        assert assignees and {int(m["chat_id"]) for m in sent} <= {SECRETARY, LIAISON}
        bot.runtime.clock = lambda: start + timedelta(hours=25)
        assert bot.loop.run_until_complete(jobs.deadlines(context)) == 1  # then escalated at the deadline


def test_escalation_job_with_a_controllable_clock(team, tree):
    with OfflineBot(team) as bot:
        ticket = file_elevator_need(bot)
        context = CallbackContext(bot.app)
        bot.runtime.clock = lambda: utcnow() + timedelta(hours=25)  # accept deadline (24 h) missed
        assert bot.loop.run_until_complete(jobs.escalate(context)) == 1
        assert bot.loop.run_until_complete(jobs.escalate(context)) == 0  # never twice for the same deadline
        notices = [m for m in bot.request.sent if ticket in m.get("text", "") and "上报至" in m["text"]]
        assert {m["chat_id"] for m in notices} >= {SECRETARY}
    with tree.session() as session:
        need = session.query(Need).filter_by(ticket=ticket).one()
        assert need.level_unit.name == "梅园新村"


def test_an_older_offer_files_its_own_text_and_need_typed_takes_none(team):
    """登记为需求 under an older message files that message's text, after a restart too; /need typed afterwards
    starts an empty form (no offer's text carried over)."""
    with OfflineBot(team) as bot:
        elevator = last(bot.process(message_update(LEADER, "3号楼电梯坏了两天了，老人上下楼很不方便")), LEADER)
        lamp = last(bot.process(message_update(LEADER, "5号楼楼道灯坏了，晚上看不见")), LEADER)
        assert "登记到需求清单" in elevator["text"] and "登记到需求清单" in lamp["text"]
    with OfflineBot(team) as bot:
        step = last(bot.press(LEADER, button(elevator, "登记为需求"), message_id=elevator["message_id"]), LEADER)
        assert any(label == "✓ 3栋" for label, _ in bot.buttons(step)), bot.buttons(step)
        step = last(bot.press(LEADER, button(step, "✓ 3栋")), LEADER)
        step = last(bot.press(LEADER, button(step, "✓ 电梯")), LEADER)
        assert "老人上下楼" in step["text"] and "楼道灯" not in step["text"]
        bot.send(LEADER, "/cancel")
        bot.process(message_update(LEADER, "3号楼电梯又坏了，老人上下楼很不方便"))  # offered, not pressed
        typed = last(bot.process(message_update(LEADER, "/need")), LEADER)
        assert not any(label.startswith("✓") for label, _ in bot.buttons(typed)), bot.buttons(typed)
