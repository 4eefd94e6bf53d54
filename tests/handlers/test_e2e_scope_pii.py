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
        denied = emu.wait_for_step(community, compounds, "没有权限")  # the compounds edited in place
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


def download(emu, document: dict) -> bytes:
    """The bytes of a document the bot sent, through the emulator's getFile and file route."""
    import httpx

    path = httpx.post(f"{emu.base_url}{emu.token}/getFile", json={"file_id": document["file_id"]}).json()
    return httpx.get(f"{emu.base_file_url}{emu.token}/{path['result']['file_path']}").content


def test_a_phone_typed_into_a_need_without_consent_reaches_nobody(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    leader, secretary, liaison, community = (emu.new_chat_id() for _ in range(4))
    with run_app(bot(e2e_settings)):
        register(emu, e2e_settings, tree, (leader, "building_leader", "MY01-3"),
                 (secretary, "branch_secretary", "MY01"), (liaison, "property_liaison", "MY01"),
                 (community, "community", "梅园社区"))
        emu.send_message(leader, f"3号楼电梯坏了两天了，住户李四电话{RESIDENT_PHONE}，老人上下楼很不方便")
        offer = emu.wait_for_reply(leader, "登记到需求清单")
        emu.press_button(leader, offer, "登记为需求")
        for expected, label in (("哪栋楼", "✓ 3栋"), ("需求类别", "✓ 电梯"), ("使用这段原文", "使用原文"),
                                ("紧急程度", "一般")):
            emu.press_button(leader, emu.wait_for_reply(leader, expected), label)
        consent = emu.wait_for_reply(leader, "居民姓名和电话")
        assert "描述中有电话或身份证号" in consent["text"]  # the number waits for the consent answer
        emu.press_button(leader, consent, "不记录")
        emu.press_button(leader, emu.wait_for_reply(leader, "现场照片"), "跳过")
        summary = emu.wait_for_reply(leader, "请确认需求")
        assert "138****5678" in summary["text"] and RESIDENT_PHONE not in summary["text"]  # as it will be kept
        emu.press_button(leader, summary, "提交")
        emu.wait_for_reply(leader, "需求已登记")
        notice = emu.wait_for_reply(secretary, "新需求")  # the branch officers' new-need notice
        need_id = int(notice["text"].split("/need_", 1)[1].split()[0])
        emu.send_command(community, f"/need_{need_id}")  # a coordinator who is not an assignee
        emu.wait_for_reply(community, "待签收")
        emu.send_command(liaison, "/todo")
        emu.wait_for_reply(liaison, "XQ-")
        emu.send_command(liaison, f"/need_{need_id}")  # the assignee: nothing to show in full either
        emu.wait_for_reply(liaison, "待签收")
        emu.send_command(community, "/export today")
        export = emu.wait_for_reply(community, lambda m: m.get("document"))
        workbook = load_workbook(io.BytesIO(download(emu, export["document"])))
    cells = " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "电梯坏了两天" in cells and "138****5678" in cells and RESIDENT_PHONE not in cells
    for chat in (secretary, liaison, community):
        sent = str(emu.bot_messages(chat))
        assert "电梯坏了两天" in sent and RESIDENT_PHONE not in sent, chat
    with tree.session() as s:
        need = s.get(Need, need_id)
        assert need.resident_phone is None and RESIDENT_PHONE not in need.description
