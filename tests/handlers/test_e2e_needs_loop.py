"""The need card and ended forms through the Bot API emulator: the card is edited in place after 签收, and a
button of a finished form gets a callback answer (no hanging spinner)."""
from .test_e2e import bot, e2e_settings, leader_and_liaison, offer_and_press  # noqa: F401  (fixture)
from ..helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)


def test_the_card_is_edited_in_place_and_an_ended_form_answers_its_buttons(e2e_settings, tree, telegram_emulator):
    emu = telegram_emulator
    with run_app(bot(e2e_settings)):
        leader, liaison = leader_and_liaison(emu, e2e_settings, tree, "JT03-1", "JT03")
        offer_and_press(emu, leader, "1栋3单元门口路灯坏了，晚上看不见", (
            ("哪栋楼", "✓ 1栋"), ("需求类别", "✓ 设施维修"), ("使用这段原文", "使用原文"), ("紧急程度", "一般"),
            ("居民姓名和电话", "不记录"), ("现场照片", "跳过")))
        summary = emu.wait_for_reply(leader, "请确认需求")
        assert "1栋 3单元" in summary["text"]
        emu.press_button(leader, summary, "提交")
        emu.wait_for_reply(leader, "需求已登记")
        # the summary's buttons belong to an ended form now: pressing one is answered
        answered = len(emu.callback_answers())
        emu.press_button(leader, summary, "提交")
        notice = emu.wait_for_reply(liaison, "新需求")
        need_id = int(notice["text"].split("/need_", 1)[1].split()[0])
        emu.send_command(liaison, f"/need_{need_id}")
        card = emu.wait_for_reply(liaison, "待签收")
        assert "东门网格 1栋 3单元" in card["text"]
        emu.press_button(liaison, card, "签收")
        edited = emu.wait_for_edit(liaison, card["message_id"], "已签收")
        labels = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["报告进展", "办结", "退回"]
        ended = [a for a in emu.callback_answers()[answered:] if a.get("text") == "这个表单已结束，按钮已失效。"]
    assert len(ended) == 1
