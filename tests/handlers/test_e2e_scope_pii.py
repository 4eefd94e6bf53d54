"""Issue 14, items 1 and 2, through the real bot polling the Bot API emulator (SQLite and PostgreSQL):
/flowin never names or moves someone outside the coordinator's subtree, and a phone typed into a need's
text without the resident's consent reaches nobody — not the branch's notice, not a coordinator's card,
not /todo, not /export."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.party import checkins
from assistant.storage.models import Need

from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)
from .test_e2e import bot, e2e_settings, register  # noqa: F401  (fixture)

OUTSIDER_PHONE = "13766660001"
RESIDENT_PHONE = "13812345678"


def test_flowin_by_the_phone_of_someone_elsewhere_names_and_moves_nobody(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    community = emu.new_chat_id()
    with tree.session() as s:
        outsider = create_person(s, "外区党员王某", OUTSIDER_PHONE, party_member=True)
        bind_role(s, outsider, "resident", find_unit(s, "JT01-1"))  # 敬亭社区: not this coordinator's
        outsider_id, jt01, my01 = outsider.id, find_unit(s, "JT01").id, find_unit(s, "MY01").id
        admin = create_person(s, "管理员")
        bind_role(s, admin, "admin", find_unit(s, "宣州区"))
        admin_id = admin.id
    with tree.session() as s:  # the outsider's confirmed check-in at 敬亭苑
        checkins.register_flow_in(s, admin_id, outsider_id, jt01, work_unit="宣城市某局", phone=OUTSIDER_PHONE)
    with run_app(bot(e2e_settings)):
        register(emu, e2e_settings, tree, (community, "community", "梅园社区"))
        emu.send_command(community, "/flowin")
        emu.wait_for_reply(community, "党员姓名")
        emu.send_message(community, "张三")
        emu.wait_for_reply(community, "手机号")
        emu.send_message(community, OUTSIDER_PHONE)
        compounds = emu.wait_for_reply(community, "居住的小区")
        emu.press(community, f"fi:c:{jt01}", compounds["message_id"])  # a forged button: another community's
        denied = emu.wait_for_reply(community, "没有权限")
        emu.press_button(community, denied, "梅园新村")
        buildings = emu.wait_for_reply(community, "哪栋楼")
        emu.press_button(community, buildings, "1栋")
        emu.wait_for_reply(community, "工作单位")
        emu.send_message(community, "宣城市某公司")
        done = emu.wait_for_reply(community, "党支部名册")
    assert "张三 已纳入 梅园新村" in done["text"] and "王某" not in str(emu.bot_messages(community))
    with tree.session() as s:
        assert checkins.current_checkin(s, outsider_id).compound_id == jt01  # still where they were
        assert [m.person_name for m in checkins.roster(s, my01)] == ["张三"]
