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


def press(bot, user, message, label, lang="zh"):
    data = next(d for text, d in buttons(message) if label in text)
    return last(bot.press(user, data, lang), user)


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
        assert "被退回" in told["text"] and "请填写正确的楼栋" in told["text"] and "/checkin 重新报到" in told["text"]
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
    from tests.helpers.world import recorded_long_ago

    with tree.session() as session:
        late = create_person(session, "王迟到", party_member=True, work_unit="宣城市某局")
        bind_role(session, late, "resident", find_unit(session, "MY01-3"))
        recorded_long_ago(session)
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((MEMBER, "resident", "MY01-2"), (SECRETARY, "branch_secretary", "MY01")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        report = last(bot.process(message_update(SECRETARY, "/checkins")), SECRETARY)
        assert "梅园新村" in report["text"] and "宣城市某局" in report["text"] and "逾期未报到 1" in report["text"]
        sent = bot.press(SECRETARY, buttons(report)[0][1])
        document = last(sent, SECRETARY)
        assert document["method"] == "sendDocument" and "宣城市某局" in document.get("caption", "")
        assert "您的角色不能进行此操作" in bot.send(MEMBER, "/checkins")[0]
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
        assert "您的角色不能进行此操作" in bot.send(SECRETARY, "/flowin")[0]  # only the community registers flow-in members
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


def fill_form(bot, user, moved_on=None, lang="zh"):
    """/checkin answered from the start (梅园新村 2栋, in service, full member); returns the summary."""
    bot.send(user, "/checkin", lang)
    for text in ("宣城市住建局", "宣城市住建局机关党委"):
        bot.send(user, text, lang)
    bot.press(user, "ci:skip", lang)
    step = last(bot.process(message_update(user, "梅园新村", lang)), user)
    step = last(bot.press(user, next(d for label, d in buttons(step) if "2" in label), lang), user)
    bot.send(user, "13812345678", lang)
    bot.press(user, "ci:y:1", lang)
    bot.press(user, "ci:y:1", lang)
    if moved_on is None:
        return last(bot.press(user, "ci:y:0", lang), user)
    bot.press(user, "ci:y:1", lang)
    return last(bot.process(message_update(user, moved_on, lang)), user)


def test_a_late_check_in_is_flagged_to_member_branch_and_in_checkins(bot_settings, tree, tmp_path):
    """Moved on 3 September, reported on 20 November, with move_months: 2 in the policy file: 17 days late."""
    from datetime import datetime, timezone
    from pathlib import Path

    import assistant

    shipped = Path(assistant.__file__).parent / "policy" / "party.yaml"
    policy_file = tmp_path / "party.yaml"
    policy_file.write_text(shipped.read_text(encoding="utf-8").replace("move_months: 1", "move_months: 2"), "utf-8")
    settings = bot_settings.model_copy(update={"party_policy_file": policy_file})
    with OfflineBot(settings) as bot:
        bot.runtime.clock = lambda: datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
        for user, role, unit in ((MEMBER, "resident", "MY01-2"), (SECRETARY, "branch_secretary", "MY01")):
            assert "注册成功" in bot.send(user, f"/start {make_code(settings, tree, role, unit)}")[0]
        summary = fill_form(bot, MEMBER, moved_on="2026-09-03")
        sent = bot.press(MEMBER, "ci:submit")
        late = "逾期报到：搬家后应在 2 个月内（2026-11-03 前）报到，已逾期 17 天"
        told = last(sent, MEMBER)["text"]
        assert "已提交给 梅园新村" in told and late in told and "单位党组织（宣城市住建局机关党委）" in told
        ask = last(sent, SECRETARY)
        assert late in ask["text"] and "请告知其单位党组织：宣城市住建局机关党委" in ask["text"]
        sent = bot.press(SECRETARY, buttons(ask)[0][1])
        confirmed = last(sent, MEMBER)["text"]
        assert "报到已确认：已报到" in confirmed and "原因" not in confirmed  # no "（原因：—）"
        report = last(bot.process(message_update(SECRETARY, "/checkins")), SECRETARY)
        assert "• 梅园新村：已报到 1，待确认 0，逾期未报到 0，其中逾期报到 1" in report["text"]
        assert ("• user801（宣城市住建局）梅园新村：应于 2026-11-03 前报到，2026-11-20 报到，逾期 17 天；告知 宣城市住建局机关党委"
                in report["text"])
        assert buttons(report) == [("导出逾期名单：宣城市住建局", "cr:x:0")]
        document = last(bot.press(SECRETARY, "cr:x:0"), SECRETARY)
        assert document["method"] == "sendDocument" and "宣城市住建局" in document["caption"]
        english = last(bot.process(message_update(SECRETARY, "/checkins", "en")), SECRETARY)["text"]
        assert "• 梅园新村: checked in 1, waiting for confirmation 0, overdue 0, 1 of them late" in english
        assert "due 2026-11-03, checked in 2026-11-20, 17 days late; tell 宣城市住建局机关党委" in english


def test_sent_back_told_how_to_redo_then_prefilled_and_each_field_editable(bot_settings, tree):
    """The member (English) is told how to redo it; /checkin opens on the earlier answers; 修改 any field."""
    with OfflineBot(bot_settings) as bot:
        assert "Registered" in bot.send(MEMBER, f"/start {make_code(bot_settings, tree, 'resident', 'MY01-2')}",
                                        "en")[0]
        assert "注册成功" in bot.send(SECRETARY, f"/start {make_code(bot_settings, tree, 'branch_secretary', 'MY01')}")[0]
        summary = fill_form(bot, MEMBER, lang="en")
        assert [label for label, _ in buttons(summary)] == [
            "✅ Submit", "Change work unit", "Change party organisation", "Change contact phone", "Change compound",
            "Change building", "Change mobile", "Change in service", "Change full member", "Change move"]
        ask = last(bot.press(MEMBER, "ci:submit", "en"), SECRETARY)
        bot.press(SECRETARY, buttons(ask)[1][1])
        told = last(bot.process(message_update(SECRETARY, "楼栋不对，应为 3栋")), MEMBER)["text"]
        assert "was sent back. Reason: 楼栋不对，应为 3栋" in told and "Send /checkin to check in again" in told
        sent = bot.process(message_update(MEMBER, "/checkin", "en"))
        assert "Your last check-in at 梅园新村 was sent back (reason: 楼栋不对，应为 3栋)" in sent[0]["text"]
        summary = last(sent, MEMBER)
        assert "Work unit: 宣城市住建局 (宣城市住建局机关党委, contact —)" in summary["text"]
        assert "2栋" in summary["text"] and "Phone: 13812345678" in summary["text"]
        # the building: the question, with "keep as is", then back to the summary
        step = last(bot.press(MEMBER, "ci:e:building", "en"), MEMBER)
        assert "Which building?" in step["text"] and ("Keep as is", "ci:keep") in buttons(step)
        summary = press(bot, MEMBER, step, "3栋", "en")
        assert "Please confirm" in summary["text"] and "3栋" in summary["text"]
        # the compound: its building is asked again (no "keep": the old one may not be in the new compound)
        step = last(bot.press(MEMBER, "ci:e:compound", "en"), MEMBER)
        step = press(bot, MEMBER, step, "锦绣华庭", "en")
        assert "Which building?" in step["text"] and ("Keep as is", "ci:keep") not in buttons(step)
        summary = press(bot, MEMBER, step, "1栋", "en")
        assert "锦绣华庭 1栋" in summary["text"]
        # a move: the date follows; a day that does not exist is not a bad format
        step = last(bot.press(MEMBER, "ci:e:moved", "en"), MEMBER)
        step = last(bot.press(MEMBER, "ci:y:1", "en"), MEMBER)
        assert "Date of the move" in step["text"]
        assert "There is no such day" in bot.send(MEMBER, "2019-02-30", "en")[0]
        assert "没有这一天" in bot.send(MEMBER, "2019-02-30")[0]
        assert "日期格式不对" in bot.send(MEMBER, "2019-02-3x")[0]
        summary = last(bot.process(message_update(MEMBER, "2026-10-03", "en")), MEMBER)
        assert "Moved: 2026-10-03" in summary["text"]
        # a typed field, and one kept as it is
        bot.press(MEMBER, "ci:e:work_unit", "en")
        summary = last(bot.process(message_update(MEMBER, "宣城市教育局", "en")), MEMBER)
        assert "Work unit: 宣城市教育局" in summary["text"]
        step = last(bot.press(MEMBER, "ci:e:phone", "en"), MEMBER)
        summary = last(bot.press(MEMBER, "ci:keep", "en"), MEMBER)
        assert "Phone: 13812345678" in summary["text"] and "Please confirm" in summary["text"]
        assert "Check-in sent to the branch of 锦绣华庭" in last(bot.press(MEMBER, "ci:submit", "en"), MEMBER)["text"]
    with tree.session() as session:
        latest = session.query(CheckIn).order_by(CheckIn.id.desc()).first()
        assert (latest.status, latest.work_unit, latest.compound.name, latest.building.name) == (
            "pending", "宣城市教育局", "锦绣华庭", "1栋")
        assert (latest.moved, latest.moved_on.isoformat(), latest.phone) == (True, "2026-10-03", "13812345678")
