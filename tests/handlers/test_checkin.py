"""/checkin through the real handlers (both databases): the member's form, the branch's decision."""
from assistant.messages import t
from assistant.storage.models import CheckIn

from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code

MEMBER, SECRETARY, OTHER_SECRETARY = 801, 802, 803


def last(sent, chat_id):
    return [m for m in sent if int(m.get("chat_id", 0)) == chat_id][-1]


def buttons(message):
    return [(b["text"], b["callback_data"]) for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


def press(bot, user, message, label):
    data = next(d for text, d in buttons(message) if label in text)
    return last(bot.press(user, data), user)


def test_checkin_confirmed_and_rejected(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((MEMBER, "resident", "MY01-2"), (SECRETARY, "branch_secretary", "MY01"),
                                 (OTHER_SECRETARY, "branch_secretary", "MY02")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        assert "工作单位" in bot.send(MEMBER, "/checkin")[0]
        assert "内容太长" in bot.send(MEMBER, "单" * 300)[0]
        bot.send(MEMBER, "宣城市住建局")
        step = last(bot.process(message_update(MEMBER, "宣城市住建局机关党委")), MEMBER)
        step = press(bot, MEMBER, step, "跳过")
        assert "居住的小区" in step["text"]
        assert "请选择一个有效的小区" in bot.send(MEMBER, "火星小区")[0]
        step = press(bot, MEMBER, step, "梅园新村")
        step = press(bot, MEMBER, step, "2栋")
        assert "电话格式不对" in bot.send(MEMBER, "12345")[0]
        step = last(bot.process(message_update(MEMBER, "13812345678")), MEMBER)
        step = press(bot, MEMBER, step, "是")
        assert "正式党员" in step["text"]
        step = press(bot, MEMBER, step, "是")
        step = press(bot, MEMBER, step, "是")
        assert "搬家日期" in step["text"]
        assert "不能晚于今天" in bot.send(MEMBER, "2999-01-01")[0]
        assert "不能早于 1921" in bot.send(MEMBER, "1900-01-01")[0]
        assert "日期格式不对" in bot.send(MEMBER, "去年")[0]
        step = last(bot.process(message_update(MEMBER, "2024-01-31")), MEMBER)
        assert "请确认" in step["text"] and "梅园新村" in step["text"] and "2024-01-31" in step["text"]
        sent = bot.press(MEMBER, "ci:submit")
        assert "已提交给 梅园新村" in last(sent, MEMBER)["text"]
        ask = last(sent, SECRETARY)
        assert "党员报到" in ask["text"] and not [m for m in sent if m.get("chat_id") == OTHER_SECRETARY]
        checkin_id = int(buttons(ask)[0][1].split(":")[2])
        # another compound's secretary cannot confirm it
        assert "只有该小区党支部" in last(bot.press(OTHER_SECRETARY, f"ci:ok:{checkin_id}"), OTHER_SECRETARY)["text"]
        sent = bot.press(SECRETARY, f"ci:ok:{checkin_id}")
        assert "已报到" in last(sent, SECRETARY)["text"] and "已报到" in last(sent, MEMBER)["text"]
        # a second check-in, sent back with a reason
        bot.send(MEMBER, "/checkin")
        for text in ("宣城市住建局", "机关党委", "0563-1234567"):
            bot.send(MEMBER, text)
        step = last(bot.process(message_update(MEMBER, "梅园新村")), MEMBER)
        step = press(bot, MEMBER, step, "不指定楼栋")
        bot.send(MEMBER, "13812345678")
        bot.press(MEMBER, "ci:y:1")
        bot.press(MEMBER, "ci:y:0")  # a probationary member
        summary = last(bot.press(MEMBER, "ci:y:0"), MEMBER)
        assert "正式党员：否" in summary["text"]
        ask = last(bot.press(MEMBER, "ci:submit"), SECRETARY)
        second = int(buttons(ask)[1][1].split(":")[2])
        assert "退回原因" in last(bot.press(SECRETARY, f"ci:no:{second}"), SECRETARY)["text"]
        told = last(bot.process(message_update(SECRETARY, "请填写正确的楼栋")), MEMBER)
        assert "已退回" in told["text"] and "请填写正确的楼栋" in told["text"]
    with tree.session() as session:
        statuses = sorted(c.status for c in session.query(CheckIn).all())
    assert statuses == ["confirmed", "rejected"]


def test_a_stale_button_or_a_draft_missing_a_field_asks_that_step(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(MEMBER, f"/start {make_code(bot_settings, tree, 'resident', 'MY01-2')}")[0]
        bot.send(MEMBER, "/checkin")
        said = [m["text"] for m in bot.press(MEMBER, "ci:y:1")]  # a yes/no of another message
        assert said[0] == t("needform.bad_choice") and "工作单位" in said[1]
        for text in ("宣城市住建局", "机关党委"):
            bot.send(MEMBER, text)
        bot.press(MEMBER, "ci:skip")
        step = last(bot.process(message_update(MEMBER, "梅园新村")), MEMBER)
        step = press(bot, MEMBER, step, "2栋")
        bot.send(MEMBER, "13812345678")
        for data in ("ci:y:1", "ci:y:1", "ci:y:0"):
            step = last(bot.press(MEMBER, data), MEMBER)
        assert "请确认" in step["text"]
        del bot.app.user_data[MEMBER]["checkin_draft"]["phone"]  # a draft older than the step it is at
        assert "手机号" in last(bot.press(MEMBER, "ci:submit"), MEMBER)["text"]
        bot.send(MEMBER, "13812345679")
        for data in ("ci:y:1", "ci:y:1", "ci:y:0"):
            bot.press(MEMBER, data)
        assert "已提交给 梅园新村" in last(bot.press(MEMBER, "ci:submit"), MEMBER)["text"]
    with tree.session() as session:
        assert [(c.status, c.phone) for c in session.query(CheckIn)] == [("pending", "13812345679")]


def test_report_export_and_reminders(bot_settings, tree):
    from datetime import timedelta

    from telegram.ext import CallbackContext

    from assistant.handlers.party import checkin_report
    from assistant.org.tree import find_unit
    from assistant.org.people import bind_role, create_person
    from assistant.storage.models import utcnow

    with tree.session() as session:
        late = create_person(session, "王迟到", party_member=True, work_unit="宣城市某局")
        bind_role(session, late, "resident", find_unit(session, "MY01-3"))
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((MEMBER, "resident", "MY01-2"), (SECRETARY, "branch_secretary", "MY01")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        report = last(bot.process(message_update(SECRETARY, "/checkins")), SECRETARY)
        assert "梅园新村" in report["text"] and "宣城市某局" in report["text"] and "逾期未报到 1" in report["text"]
        sent = bot.press(SECRETARY, buttons(report)[0][1])
        document = last(sent, SECRETARY)
        assert document["method"] == "sendDocument" and "宣城市某局" in document.get("caption", "")
        assert "没有权限" in bot.send(MEMBER, "/checkins")[0]
        # an unfinished check-in is reminded once, after the policy's delay
        bot.send(MEMBER, "/checkin")
        context = CallbackContext(bot.app)
        assert bot.loop.run_until_complete(checkin_report.remind_unfinished(context)) == 0
        bot.runtime.clock = lambda: utcnow() + timedelta(hours=49)
        assert bot.loop.run_until_complete(checkin_report.remind_unfinished(context)) == 1
        assert bot.loop.run_until_complete(checkin_report.remind_unfinished(context)) == 0
        assert "还没有完成" in last(bot.request.sent, MEMBER)["text"]


def test_flow_in_member_registered_by_the_community(bot_settings, tree):
    from assistant.party import checkins
    from assistant.org.tree import find_unit

    COMMUNITY = 804
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((COMMUNITY, "community", "梅园社区"), (SECRETARY, "branch_secretary", "MY01")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        assert "没有权限" in bot.send(SECRETARY, "/flowin")[0]  # only the community registers flow-in members
        assert "党员姓名" in bot.send(COMMUNITY, "/flowin")[0]
        bot.send(COMMUNITY, "赵流入")
        assert "电话格式不对" in bot.send(COMMUNITY, "123")[0]
        compounds = last(bot.process(message_update(COMMUNITY, "13700001111")), COMMUNITY)
        labels = [label for label, _ in buttons(compounds)]
        assert any("梅园新村" in label for label in labels) and not any("敬亭" in label for label in labels)
        step = press(bot, COMMUNITY, compounds, "梅园新村")
        press(bot, COMMUNITY, step, "3栋")
        assert "已纳入 梅园新村 党支部名册" in bot.send(COMMUNITY, "宣城市某公司")[0]
    with tree.session() as session:
        roster = checkins.roster(session, find_unit(session, "MY01").id)
    assert [(m.person_name, m.building_name) for m in roster] == [("赵流入", "3栋")]
