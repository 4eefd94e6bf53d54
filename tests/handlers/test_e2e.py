"""The real bot polling a Telegram Bot API emulator (npm telegram-test-api, started by the harness)."""
from datetime import timedelta

import pytest

from assistant.handlers.app import build_application
from assistant.runtime import Runtime
from assistant.storage.models import Invite, utcnow

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from .conftest import make_code


@pytest.fixture
def e2e_settings(bot_settings, telegram_emulator):
    return bot_settings.model_copy(update={
        "telegram_bot_token": telegram_emulator.token,
        "telegram_api_base_url": telegram_emulator.base_url,
        "telegram_file_base_url": telegram_emulator.base_file_url,
    })


def bot(settings):
    return build_application(Runtime(settings))


def test_registration_questions_and_cancel(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    chat, other = emu.new_chat_id(), emu.new_chat_id()
    good = make_code(e2e_settings, tree, "branch_secretary", "MY02", name="陈书记")
    expired = make_code(e2e_settings, tree, "resident", "MY02")
    with tree.session() as session:
        session.query(Invite).filter_by(code=expired).update({"expires_at": utcnow() - timedelta(seconds=1)})
    with run_app(bot(e2e_settings)):
        emu.send_command(chat, f"/start {expired}")
        emu.wait_for_reply(chat, "已过期")
        emu.send_command(chat, "/start ZZZZ9999")
        emu.wait_for_reply(chat, "无效")
        emu.send_command(chat, f"/start {good}")
        emu.wait_for_reply(chat, "注册成功：陈书记，小区党支部书记")
        emu.send_command(other, f"/start {good}")
        emu.wait_for_reply(other, "已被使用")
        emu.send_message(chat, "小区党支部设几名委员？")
        answer = emu.wait_for_reply(chat, "3-5 名")
        assert "组通〔2020〕15号" in answer["text"] and "3. 建立小区（网格）党支部" in answer["text"]
        emu.send_command(chat, "/ask")
        emu.wait_for_reply(chat, "请输入您的问题")
        emu.send_command(chat, "/cancel")
        emu.wait_for_reply(chat, "已取消")
        menu = emu.my_commands()
    assert "start" in str(menu) and "查询政策条款" in str(menu)


def register_and_pick_role(emu, chat, code, role_label):
    """/start CODE, /invite, press a role: returns the edited message offering units."""
    emu.send_command(chat, f"/start {code}")
    emu.wait_for_reply(chat, "注册成功")
    emu.send_command(chat, "/invite")
    roles = emu.wait_for_reply(chat, "担任什么角色")
    emu.press_button(chat, roles, role_label)
    return emu.wait_for_edit(chat, roles["message_id"], "设在哪个单位")


def test_restart_in_the_middle_of_a_conversation(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    chat = emu.new_chat_id()
    code = make_code(e2e_settings, tree, "community", "梅园社区")
    with run_app(bot(e2e_settings)):
        register_and_pick_role(emu, chat, code, "楼栋长")
    with run_app(bot(e2e_settings)):  # a new Application on the same database: the conversation continues
        emu.send_message(chat, "MY01-2")
        emu.wait_for_reply(chat, "请输入受邀人姓名")
        emu.send_message(chat, "周楼长")
        created = emu.wait_for_reply(chat, "邀请码")
    assert "楼栋长" in created["text"] and "2栋" in created["text"] and "周楼长" in created["text"]


def test_a_user_of_one_compound_is_denied_another(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    chat = emu.new_chat_id()
    code = make_code(e2e_settings, tree, "branch_secretary", "JT01")
    with run_app(bot(e2e_settings)):
        units = register_and_pick_role(emu, chat, code, "楼栋长")
        assert "敬亭苑" in str(units) and "梅园新村" not in str(units)
        emu.send_message(chat, "MY01-1")  # 梅园新村 1栋: another compound
        emu.wait_for_reply(chat, "不能在这个单位")


def leader_and_liaison(emu, settings, tree, building: str, compound: str) -> tuple[int, int]:
    """A building leader and the compound's property liaison, registered."""
    leader, liaison = emu.new_chat_id(), emu.new_chat_id()
    for chat, role, unit in ((leader, "building_leader", building), (liaison, "property_liaison", compound)):
        emu.send_command(chat, f"/start {make_code(settings, tree, role, unit)}")
        emu.wait_for_reply(chat, "注册成功")
    return leader, liaison


def offer_and_press(emu, chat: int, text: str, steps) -> None:
    """Free text → the offer → 登记为需求, then each (expected prompt, button label) of `steps` in turn."""
    emu.send_message(chat, text)
    emu.press_button(chat, emu.wait_for_reply(chat, "登记到需求清单"), "登记为需求")
    for expected, label in steps:
        emu.press_button(chat, emu.wait_for_reply(chat, expected), label)


def test_a_need_with_a_photo_filed_and_accepted(e2e_settings, tree, telegram_emulator):
    from assistant.storage.models import Need
    from tests.test_emulator_harness import PNG

    emu = telegram_emulator
    with run_app(bot(e2e_settings)):
        leader, liaison = leader_and_liaison(emu, e2e_settings, tree, "MY02-2", "MY02")
        offer_and_press(emu, leader, "2栋楼道路灯坏了，晚上看不见", (
            ("哪栋楼", "✓ 2栋"), ("需求类别", "✓ 设施维修"), ("使用这段原文", "使用原文"), ("紧急程度", "一般"),
            ("居民姓名和电话", "不记录")))
        emu.wait_for_reply(leader, "现场照片")
        file_id = emu.send_photo(leader, PNG)
        summary = emu.wait_for_reply(leader, "请确认需求")
        assert "照片：有" in summary["text"]
        emu.press_button(leader, summary, "提交")
        filed = emu.wait_for_reply(leader, "需求已登记")
        notice = emu.wait_for_reply(liaison, "新需求")
        need_id = int(notice["text"].split("/need_", 1)[1].split()[0])
        emu.send_command(liaison, f"/need_{need_id}")
        card = emu.wait_for_reply(liaison, "待签收")
        photo = emu.wait_for_reply(liaison, lambda m: m.get("photo") or m.get("caption"))
        assert photo.get("caption", "").startswith("XQ-")
        emu.press_button(liaison, card, "签收")
        emu.wait_for_reply(liaison, "已签收")
        emu.wait_for_reply(leader, "已由")
    ticket = filed["text"].split("编号 ")[1].split("。")[0]
    with tree.session() as session:
        need = session.query(Need).filter_by(ticket=ticket).one()
        assert need.photo_file_id == file_id and need.status == "accepted" and need.building.name == "2栋"


def member_and_secretary(emu, settings, tree):
    """A resident of 书香门第 1栋 and the compound's secretary, registered; the member has sent /checkin."""
    member, secretary = emu.new_chat_id(), emu.new_chat_id()
    for chat, role, unit in ((member, "resident", "JT02-1"), (secretary, "branch_secretary", "JT02")):
        emu.send_command(chat, f"/start {make_code(settings, tree, role, unit)}")
        emu.wait_for_reply(chat, "注册成功")
    emu.send_command(member, "/checkin")
    emu.wait_for_reply(member, "工作单位")
    return member, secretary


def test_checkin_confirmed_by_the_branch(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    with run_app(bot(e2e_settings)):
        member, secretary = member_and_secretary(emu, e2e_settings, tree)
        emu.send_message(member, "宣城市教育局")
        emu.wait_for_reply(member, "党组织名称")
        emu.send_message(member, "宣城市教育局机关党委")
        contact = emu.wait_for_reply(member, "联系人电话")
        emu.press_button(member, contact, "跳过")
        emu.wait_for_reply(member, "居住的小区")
        emu.send_message(member, "书香门第")
        building = emu.wait_for_reply(member, "哪栋楼")
        emu.press_button(member, building, "1栋")
        emu.wait_for_reply(member, "手机号")
        emu.send_message(member, "13912345678")
        for expected in ("在职党员", "正式党员", "搬家"):
            question = emu.wait_for_reply(member, expected)
            emu.press_button(member, question, "否" if expected == "搬家" else "是")
        summary = emu.wait_for_reply(member, "请确认")
        emu.press_button(member, summary, "提交")
        emu.wait_for_reply(member, "已提交给 书香门第")
        ask = emu.wait_for_reply(secretary, "党员报到")
        emu.press_button(secretary, ask, "确认")
        emu.wait_for_reply(secretary, "已报到")
        emu.wait_for_reply(member, "已报到")


def test_a_late_check_in_sent_back_then_prefilled_and_edited(e2e_settings, tree, telegram_emulator):
    """Through the emulator: the late flag to both sides, 退回 with how to redo it, /checkin opening on the earlier
    answers, a 修改 button per field and back to the summary."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    emu = telegram_emulator
    moved_on = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=70)).isoformat()
    with run_app(bot(e2e_settings)):
        member, secretary = member_and_secretary(emu, e2e_settings, tree)
        for text, expected in (("宣城市教育局", "党组织名称"), ("宣城市教育局机关党委", "联系人电话"),
                               ("0563-1234567", "居住的小区"), ("书香门第", "哪栋楼")):
            emu.send_message(member, text)
            step = emu.wait_for_reply(member, expected)
        emu.press_button(member, step, "1栋")
        emu.wait_for_reply(member, "手机号")
        emu.send_message(member, "13912345678")
        for expected in ("在职党员", "正式党员", "搬家"):
            emu.press_button(member, emu.wait_for_reply(member, expected), "是")
        emu.wait_for_reply(member, "搬家日期")
        emu.send_message(member, moved_on)
        summary = emu.wait_for_reply(member, "请确认")
        rows = summary["reply_markup"]["inline_keyboard"]
        assert [len(r) for r in rows] == [1, 2, 2, 2, 2, 1] and rows[0][0]["text"].endswith("提交")
        emu.press_button(member, summary, "提交")
        told = emu.wait_for_reply(member, "已提交给 书香门第")
        assert "逾期报到：搬家后应在 1 个月内" in told["text"]
        ask = emu.wait_for_reply(secretary, "党员报到")
        assert "逾期报到" in ask["text"] and "请告知其单位党组织：宣城市教育局机关党委" in ask["text"]
        emu.press_button(secretary, ask, "退回")
        emu.wait_for_reply(secretary, "退回原因")
        emu.send_message(secretary, "楼栋不对")
        back = emu.wait_for_reply(member, "被退回")
        assert "原因：楼栋不对" in back["text"] and "/checkin 重新报到" in back["text"]
        emu.send_command(member, "/checkin")
        emu.wait_for_reply(member, "上次在 书香门第 的报到被退回（原因：楼栋不对）")
        summary = emu.wait_for_reply(member, "请确认")
        assert "宣城市教育局" in summary["text"] and "1栋" in summary["text"] and moved_on in summary["text"]
        emu.press_button(member, summary, "修改楼栋")
        step = emu.wait_for_reply(member, "哪栋楼")
        emu.press_button(member, step, "2栋")
        summary = emu.wait_for_reply(member, "请确认")
        assert "书香门第 2栋" in summary["text"]
        emu.press_button(member, summary, "修改手机号")
        step = emu.wait_for_reply(member, "手机号")
        emu.press_button(member, step, "不修改")
        summary = emu.wait_for_reply(member, "请确认")
        assert "13912345678" in summary["text"]
        emu.press_button(member, summary, "提交")
        emu.wait_for_reply(member, "已提交给 书香门第")
        ask = emu.wait_for_reply(secretary, "党员报到")
        assert "2栋" in ask["text"]


def register(emu, settings, tree, *accounts):
    """/start CODE for each (chat, role, unit), the person named after the chat."""
    for chat, role, unit in accounts:
        emu.send_command(chat, f"/start {make_code(settings, tree, role, unit, name=f'用户{chat}')}")
        emu.wait_for_reply(chat, "注册成功")


def flow_in(tree, member_chat, community_chat, compound):
    """The community puts the member on the compound branch's roster."""
    from assistant.party import checkins
    from assistant.org.tree import find_unit
    from assistant.org.people import get_or_create_person

    with tree.session() as session:
        person = get_or_create_person(session, f"用户{member_chat}")
        community_id = get_or_create_person(session, f"用户{community_chat}").id
        checkins.register_flow_in(session, community_id, person.id, find_unit(session, compound).id,
                                  work_unit="宣城市某局", phone="13711112222")


def test_points_recorded_and_seen_by_the_member(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    member, leader, community = emu.new_chat_id(), emu.new_chat_id(), emu.new_chat_id()
    with run_app(bot(e2e_settings)):
        register(emu, e2e_settings, tree, (community, "community", "敬亭社区"),
                 (leader, "building_leader", "JT03-1"), (member, "resident", "JT03-1"))
        flow_in(tree, member, community, "JT03")
        emu.send_command(leader, "/points")
        menu = emu.wait_for_reply(leader, "累计")
        emu.press_button(leader, menu, "记分")
        members = emu.wait_for_reply(leader, "为哪位党员记分")
        emu.press_button(leader, members, f"用户{member}")
        activities = emu.wait_for_reply(leader, f"为 用户{member} 记哪项积分")
        emu.press_button(leader, activities, "志愿服务")
        day = emu.wait_for_reply(leader, "活动日期")
        emu.press_button(leader, day, "今天")
        emu.wait_for_reply(leader, "备注")
        emu.send_message(leader, "帮助独居老人买菜")
        emu.wait_for_reply(leader, "已记分")
        emu.wait_for_reply(member, "+5")
        emu.send_command(member, "/points")
        emu.wait_for_reply(member, "累计 5 分")


def test_a_negative_behaviour_case_opened_and_answered(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    member, secretary, community = emu.new_chat_id(), emu.new_chat_id(), emu.new_chat_id()
    with run_app(bot(e2e_settings)):
        register(emu, e2e_settings, tree, (community, "community", "敬亭社区"),
                 (secretary, "branch_secretary", "JT01"), (member, "resident", "JT01-2"))
        flow_in(tree, member, community, "JT01")
        emu.send_command(secretary, "/case")
        members = emu.wait_for_reply(secretary, "负面行为评价")
        emu.press_button(secretary, members, f"用户{member}")
        kinds = emu.wait_for_reply(secretary, "负面行为类型")
        emu.press_button(secretary, kinds, "违反小区物业管理规定")
        emu.wait_for_reply(secretary, "描述事实")
        emu.send_message(secretary, "在消防通道停放电动车，经提醒未挪走")
        deadline = emu.wait_for_reply(secretary, "整改期限")
        emu.press_button(secretary, deadline, "默认期限")
        emu.wait_for_reply(secretary, "已记录")
        told = emu.wait_for_reply(member, "消防通道")
        emu.press_button(member, told, "回复")
        emu.wait_for_reply(member, "请输入您的回复")
        emu.send_message(member, "已挪走，以后注意")
        emu.wait_for_reply(secretary, "已挪走")
