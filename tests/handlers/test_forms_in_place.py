"""Forms show their steps in one message (handlers/common.py `step`), offline on both databases: a button pressed
on the form's message edits that message into the next step; a typed answer gets the next step as a new message
and the previous step loses its buttons; an edit Telegram refuses as unchanged is taken as done."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from telegram import Message, Update
from telegram.error import BadRequest

from assistant.handlers.common import FORM_MESSAGES, step

from ..helpers.offline import OfflineBot, callback_update, message_update
from .conftest import make_code
from .test_evaluate import start as start_evaluation
from .test_evaluate import staff  # noqa: F401  (fixture)
from .test_needs import button, last, register
from .test_points_cases import MEMBER_NAME, offline_bot, team  # noqa: F401  (fixture)

LEADER, MEMBER, COMMUNITY, SECRETARY = 901, 902, 903, 904


def pressed(bot, user: int, message: dict, label: str) -> dict:
    """Press `label` on `message`: the step, which must be `message` edited in place (and nothing sent)."""
    out = [m for m in bot.press(user, button(message, label), message_id=message["message_id"])
           if int(m.get("chat_id", 0)) == user]
    assert [m["method"] for m in out] == ["editMessageText"], out
    assert out[0]["message_id"] == message["message_id"]
    return out[0]


def typed(bot, user: int, text: str, previous: dict) -> dict:
    """Type `text`: the step is a new message, and `previous` loses its buttons."""
    before = len(bot.request.calls)
    step_message = last(bot.process(message_update(user, text)), user)
    assert step_message["method"] == "sendMessage" and step_message["message_id"] != previous["message_id"]
    stripped = [c for c in bot.request.calls[before:] if c["method"] == "editMessageReplyMarkup"]
    if bot.buttons(previous):
        assert [int(c["message_id"]) for c in stripped] == [previous["message_id"]]
        assert not stripped[0].get("reply_markup")
    return step_message


def test_need_form_edits_its_message_and_sends_anew_after_typing(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        register(bot, bot_settings, tree, LEADER, "building_leader", "MY01-3")
        first = last(bot.process(message_update(LEADER, "/need")), LEADER)
        assert "哪栋楼" in first["text"]
        category = pressed(bot, LEADER, first, "3栋")
        assert "类别" in category["text"]
        description = pressed(bot, LEADER, category, "设施维修")
        assert "描述" in description["text"]
        urgency = typed(bot, LEADER, "3栋楼道灯坏了，晚上看不见", description)
        consent = pressed(bot, LEADER, urgency, "一般")
        photo = pressed(bot, LEADER, consent, "不记录")
        summary = pressed(bot, LEADER, photo, "跳过")
        assert "请确认需求" in summary["text"]
        back = pressed(bot, LEADER, summary, "返回")  # 返回 too, in place
        summary = pressed(bot, LEADER, back, "跳过")
        done = pressed(bot, LEADER, summary, "提交")
        assert "需求已登记" in done["text"] and not bot.buttons(done)
        # the form is over: its message is forgotten, a stale press on it is answered below it, not in it
        assert "need" not in bot.app.user_data[LEADER].get(FORM_MESSAGES, {})


def test_checkin_form_in_place(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(MEMBER, f"/start {make_code(bot_settings, tree, 'resident', 'MY01-2')}")[0]
        first = last(bot.process(message_update(MEMBER, "/checkin")), MEMBER)
        assert "工作单位" in first["text"]
        org = typed(bot, MEMBER, "宣城市住建局", first)
        contact = typed(bot, MEMBER, "宣城市住建局机关党委", org)
        compound = pressed(bot, MEMBER, contact, "跳过")
        assert "居住的小区" in compound["text"]
        building = pressed(bot, MEMBER, compound, "梅园新村")
        phone = pressed(bot, MEMBER, building, "2栋")
        in_service = typed(bot, MEMBER, "13812345678", phone)
        full = pressed(bot, MEMBER, in_service, "是")
        moved = pressed(bot, MEMBER, full, "是")
        summary = pressed(bot, MEMBER, moved, "否")
        assert "请确认" in summary["text"]
        editing = pressed(bot, MEMBER, summary, "修改手机号")
        typed(bot, MEMBER, "13812345679", editing)


def test_flowin_and_invite_in_place(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(COMMUNITY, f"/start {make_code(bot_settings, tree, 'community', '梅园社区')}")[0]
        name = last(bot.process(message_update(COMMUNITY, "/flowin")), COMMUNITY)
        phone = typed(bot, COMMUNITY, "赵流入", name)
        compounds = typed(bot, COMMUNITY, "13700001111", phone)
        buildings = pressed(bot, COMMUNITY, compounds, "梅园新村")
        work_unit = pressed(bot, COMMUNITY, buildings, "3栋")
        assert "工作单位" in work_unit["text"] and not bot.buttons(work_unit)
        assert "已纳入" in typed(bot, COMMUNITY, "宣城市某公司", work_unit)["text"]
        roles = last(bot.process(message_update(COMMUNITY, "/invite")), COMMUNITY)
        units = pressed(bot, COMMUNITY, roles, "楼栋长")
        assert "设在哪个单位" in units["text"]
        name = pressed(bot, COMMUNITY, units, "梅园新村")
        done = pressed(bot, COMMUNITY, name, "跳过")
        assert "邀请码" in done["text"]


def test_points_and_case_forms_in_place(team, tree):  # noqa: F811
    from .test_points_cases import LEADER as POINTS_LEADER, SECRETARY as CASE_SECRETARY

    with offline_bot(team) as bot:
        menu = last(bot.process(message_update(POINTS_LEADER, "/points")), POINTS_LEADER)
        members = last(bot.press(POINTS_LEADER, button(menu, "记分")), POINTS_LEADER)  # the summary stays as it was
        assert members["method"] == "sendMessage"
        activity = pressed(bot, POINTS_LEADER, members, MEMBER_NAME)
        day = pressed(bot, POINTS_LEADER, activity, "志愿服务")
        note = pressed(bot, POINTS_LEADER, day, "今天")
        assert "已记分" in pressed(bot, POINTS_LEADER, note, "跳过")["text"]
        members = last(bot.process(message_update(CASE_SECRETARY, "/case")), CASE_SECRETARY)
        kinds = pressed(bot, CASE_SECRETARY, members, MEMBER_NAME)
        facts = pressed(bot, CASE_SECRETARY, kinds, bot.buttons(kinds)[0][0])
        deadline = typed(bot, CASE_SECRETARY, "在小区群里散布不实信息，影响恶劣", facts)
        opened = pressed(bot, CASE_SECRETARY, deadline, "")
        assert "已整改" in [label for label, _ in bot.buttons(opened)]


def test_evaluation_form_in_place(staff, tree):  # noqa: F811
    from .test_evaluate import SECRETARY as EVALUATOR

    with OfflineBot(staff) as bot:
        periods = start_evaluation(bot, EVALUATOR)  # contract pressed: the picker was edited into the periods
        assert periods["method"] == "editMessageText"
        item = pressed(bot, EVALUATOR, periods, "2026H2")
        while "请选择得分" in item["text"]:
            item = last(bot.press(EVALUATOR, button(item, "（满分）"), message_id=item["message_id"]), EVALUATOR)
            assert item["method"] in ("editMessageText", "sendMessage")  # the satisfaction note comes first once
        review = pressed(bot, EVALUATOR, item, "完成")
        assert "请核对" in review["text"]
        assert "第 1 版" in pressed(bot, EVALUATOR, review, "提交")["text"]


# ---------------------------------------------------------------- the helper's rules


class Bot:
    """Just enough of a bot: records calls; `refuse` makes edit_message_text raise that BadRequest."""

    def __init__(self, refuse: str | None = None, latest: int | None = None) -> None:
        self.calls, self.refuse, self._latest, self.ids = [], refuse, latest, iter(range(100, 200))

    def latest(self, chat_id):
        return self._latest

    async def edit_message_text(self, text, **kwargs):
        self.calls.append(("edit", kwargs["message_id"]))
        if self.refuse:
            raise BadRequest(self.refuse)

    async def send_message(self, chat_id, text, **kwargs):
        message_id = next(self.ids)
        self.calls.append(("send", message_id))
        return SimpleNamespace(message_id=message_id)

    async def edit_message_reply_markup(self, **kwargs):
        self.calls.append(("strip", kwargs["message_id"]))


def _run(bot: Bot, update: dict, kept: list | None) -> list:
    context = SimpleNamespace(bot=bot, user_data={FORM_MESSAGES: {"f": kept}} if kept else {})
    asyncio.run(step(Update.de_json(update, None), context, "f", "next", None))
    return bot.calls


def _press(message_id: int, **message) -> dict:
    payload = callback_update(5, "x:1", message_id=message_id)
    payload["callback_query"]["message"].update(message)
    return payload


def test_the_helper_edits_only_the_form_message_while_it_is_the_last_one_sent():
    assert _run(Bot(), _press(7), [5, 7, True]) == [("edit", 7)]
    assert _run(Bot(latest=7), _press(7), [5, 7, True]) == [("edit", 7)]
    assert _run(Bot(latest=9), _press(7), [5, 7, True]) == [("send", 100), ("strip", 7)]  # something came after it
    assert _run(Bot(), _press(6), [5, 7, True]) == [("send", 100), ("strip", 7)]  # an older message's button
    assert _run(Bot(), message_update(5, "typed"), [5, 7, True]) == [("send", 100), ("strip", 7)]
    assert _run(Bot(), message_update(5, "typed"), [5, 7, False]) == [("send", 100)]  # no buttons to remove
    assert _run(Bot(), message_update(5, "/start"), None) == [("send", 100)]


def test_an_unchanged_edit_is_done_and_a_photo_or_a_refused_edit_is_sent_anew():
    assert _run(Bot(refuse="Bad Request: message is not modified: specified new message content and reply "
                           "markup are exactly the same"), _press(7), [5, 7, True]) == [("edit", 7)]
    assert _run(Bot(refuse="Bad Request: message to edit not found"), _press(7), [5, 7, True]) == \
        [("edit", 7), ("send", 100), ("strip", 7)]
    photo = _press(7, photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}], caption="图")
    assert _run(Bot(), photo, [5, 7, True]) == [("send", 100), ("strip", 7)]
    assert isinstance(Update.de_json(photo, None).callback_query.message, Message)


def test_a_form_command_typed_again_mid_form_starts_it_over(bot_settings, tree):
    """/invite, /flowin and /ask typed while their own form is open start it over instead of being answered as
    unknown commands; the step given up loses its buttons, and the new form finishes normally. /need typed in the
    need form keeps the half-filled need and says so."""
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(COMMUNITY, f"/start {make_code(bot_settings, tree, 'community', '梅园社区')}")[0]
        roles = last(bot.process(message_update(COMMUNITY, "/invite")), COMMUNITY)
        units = pressed(bot, COMMUNITY, roles, "楼栋长")
        again = typed(bot, COMMUNITY, "/invite", units)
        assert "没有 /invite" not in again["text"] and button(again, "楼栋长")
        name = pressed(bot, COMMUNITY, pressed(bot, COMMUNITY, again, "楼栋长"), "梅园新村")
        assert "邀请码" in pressed(bot, COMMUNITY, name, "跳过")["text"]
        first = last(bot.process(message_update(COMMUNITY, "/flowin")), COMMUNITY)
        phone = typed(bot, COMMUNITY, "赵流入", first)
        restarted = last(bot.process(message_update(COMMUNITY, "/flowin")), COMMUNITY)
        assert restarted["text"] == first["text"] and "没有 /flowin" not in restarted["text"], restarted
        assert phone["text"] != restarted["text"]
        compounds = last(bot.process(message_update(COMMUNITY, "/need")), COMMUNITY)
        buildings = pressed(bot, COMMUNITY, compounds, "梅园新村")
        assert any("还没有填完" in text for text in bot.send(COMMUNITY, "/need"))  # /need is not started over …
        going_on = last(bot.press(COMMUNITY, button(buildings, "3栋"), message_id=buildings["message_id"]), COMMUNITY)
        assert "类别" in going_on["text"]  # … the form goes on from the step it was at
        assert "已取消" in " ".join(bot.send(COMMUNITY, "/cancel"))
        asked = bot.send(COMMUNITY, "/ask")
        assert not any("没有 /ask" in text for text in bot.send(COMMUNITY, "/ask")), asked
        assert any("3-5" in text for text in bot.send(COMMUNITY, "小区党支部设几名委员")), asked
