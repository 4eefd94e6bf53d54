"""/resource (资源清单) through the real Application with the offline bot, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from telegram.ext import ConversationHandler

from assistant.handlers.needs import resource
from assistant.needs.resources import add_resource, list_resources
from assistant.org.invites import whoami
from assistant.org.tree import find_unit
from assistant.policy import default_needs_policy

from ..helpers import offline
from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code

SECRETARY, LEADER, COMMUNITY, STRANGER = 601, 602, 603, 604
_build_application = offline.build_application


def _with_resource(rt, request=None):
    """The application as app.py builds it, with /resource placed after the need cards (until app.py has it)."""
    application = _build_application(rt, request=request)
    group = application.handlers[0]
    names = [getattr(h, "name", None) for h in group]
    if "resource" not in names:
        group.insert(names.index("need_card") + 1, resource.build_handler())
    return application


@pytest.fixture
def bot(bot_settings, monkeypatch):
    monkeypatch.setattr(offline, "build_application", _with_resource)
    with OfflineBot(bot_settings) as running:
        yield running


def _register(bot, settings, db, user_id, role, unit, lang="zh"):
    code = make_code(settings, db, role, unit)
    assert bot.send(user_id, f"/start {code}", lang=lang)[0].startswith(("注册成功", "Registered"))


def _unit_id(db, ref: str) -> int:
    with db.session() as s:
        return find_unit(s, ref).id


def _resources(db, ref: str, include_inactive: bool = False):
    with db.session() as s:
        return list_resources(s, find_unit(s, ref).id, include_inactive=include_inactive)


def _person_id(db, user_id: int) -> int:
    with db.session() as s:
        return whoami(s, "telegram", str(user_id)).person_id


def test_add_a_resource_step_by_step(bot, bot_settings, tree):
    _register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
    [menu] = bot.process(message_update(SECRETARY, "/resource"))
    assert "还没有登记资源" in menu["text"] and bot.buttons(menu) == [("➕ 登记资源", "rs:add")]
    [units] = bot.press(SECRETARY, "rs:add")
    assert bot.buttons(units) == [("宣州区 > 澄江街道 > 梅园社区 > 梅园新村", f"rs:unit:{_unit_id(tree, 'MY01')}")]
    assert "不能在这个单位" in bot.send(SECRETARY, "敬亭苑")[0]  # another community's compound
    assert "不能在这个单位" in bot.press(SECRETARY, f"rs:unit:{_unit_id(tree, 'MY02')}")[0]["text"]  # forged button
    assert "没有找到" in bot.send(SECRETARY, "火星小区")[0]
    assert "梅园新村 > 1栋" in bot.send(SECRETARY, "MY01-1")[0]  # a building of my compound, typed by its code
    assert "1–200 字" in bot.send(SECRETARY, "长" * 201)[0]
    [tags] = bot.process(message_update(SECRETARY, "李师傅水电维修"))
    assert ("漏水", "rs:tag:leak") in bot.buttons(tags) and bot.buttons(tags)[-1] == ("✅ 完成", "rs:done")
    assert "至少选择一个类别" in bot.press(SECRETARY, "rs:done")[0]["text"]
    [again] = bot.press(SECRETARY, "rs:tag:leak")  # the error came after the tags: they are shown again below it
    assert again["method"] == "sendMessage" and ("✓ 漏水", "rs:tag:leak") in bot.buttons(again)
    for tag in ("repair", "elevator", "elevator", "weather"):  # elevator on and off again; an unknown id ignored
        [edited] = bot.press(SECRETARY, f"rs:tag:{tag}", message_id=again["message_id"])
        assert edited["method"] == "editMessageText" and edited["message_id"] == again["message_id"]  # in place
    assert "已选：漏水、设施维修" in edited["text"]
    assert "请点上面的按钮" in bot.send(SECRETARY, "漏水")[0]
    assert "联系方式" in bot.press(SECRETARY, "rs:done")[0]["text"]
    assert "服务能力" in bot.send(SECRETARY, "李师傅 13800001111")[0]
    for bad in ("三个", "0", "-2", "2.5", "99999999999"):
        [again] = bot.process(message_update(SECRETARY, bad))
        assert "须为正整数" in again["text"] and bot.buttons(again) == [("跳过", "rs:skip")]
    assert "服务时间" in bot.send(SECRETARY, "3")[0]
    done = bot.send(SECRETARY, "工作日 8:00-17:00")[0]
    assert "资源已登记" in done and "李师傅水电维修" in done and "漏水、设施维修" in done
    [added] = _resources(tree, "MY01")
    assert (added.unit_name, added.tags, added.contact, added.capacity, added.availability) == (
        "1栋", ("leak", "repair"), "李师傅 13800001111", 3, "工作日 8:00-17:00")
    assert added.created_by == _person_id(tree, SECRETARY)
    [menu] = bot.process(message_update(SECRETARY, "/resource"))
    assert "资源清单（1 项" in menu["text"] and "李师傅水电维修（1栋）" in menu["text"]
    assert (f"停用 #{added.id} 李师傅水电维修", f"rs:off:{added.id}") in bot.buttons(menu)


def test_cancel_at_any_step(bot, bot_settings, tree):
    _register(bot, bot_settings, tree, SECRETARY, "branch_secretary", "MY01")
    bot.send(SECRETARY, "/resource")
    bot.press(SECRETARY, "rs:add")
    bot.press(SECRETARY, f"rs:unit:{_unit_id(tree, 'MY01')}")
    bot.send(SECRETARY, "梅园物业维修")
    bot.press(SECRETARY, "rs:tag:leak")
    assert bot.send(SECRETARY, "/cancel") == ["已取消。"]
    assert bot.send(SECRETARY, "/cancel") == ["当前没有进行中的操作。"]  # the conversation has ended
    bot.send(SECRETARY, "/resource")
    bot.press(SECRETARY, "rs:add")
    assert bot.send(SECRETARY, "/cancel") == ["已取消。"]
    assert _resources(tree, "MY01", include_inactive=True) == []


def test_without_the_permission_denied(bot, bot_settings, tree):
    _register(bot, bot_settings, tree, LEADER, "building_leader", "MY01-1")
    assert bot.send(LEADER, "/resource") == ["您的角色不能进行此操作（您的角色：楼栋长）。"]
    assert bot.press(LEADER, "rs:add") == []  # no conversation, no answer
    assert bot.send(STRANGER, "/resource", lang="en") == ["You are not registered yet. Register with: /start CODE"]


def test_skip_the_optional_steps_in_english_then_deactivate(bot, bot_settings, tree):
    with tree.session() as s:
        elsewhere = add_resource(s, "敬亭苑物业维修", find_unit(s, "JT01").id, ["leak"], policy=default_needs_policy())
    _register(bot, bot_settings, tree, COMMUNITY, "community", "梅园社区", lang="en")
    bot.send(COMMUNITY, "/resource", lang="en")
    [units] = bot.press(COMMUNITY, "rs:add", lang="en")
    assert [label.rsplit(" > ", 1)[1] for label, _ in bot.buttons(units)] == ["梅园社区", "梅园新村", "锦绣华庭", "阳光花园"]
    bot.press(COMMUNITY, f"rs:unit:{_unit_id(tree, 'MY02')}", lang="en")
    [tags] = bot.process(message_update(COMMUNITY, "锦绣华庭法律顾问", lang="en"))
    assert ("neighbour dispute", "rs:tag:dispute") in bot.buttons(tags)
    bot.press(COMMUNITY, "rs:tag:dispute", lang="en")
    bot.press(COMMUNITY, "rs:done", lang="en")
    assert "Capacity" in bot.send(COMMUNITY, "0563-2345678", lang="en")[0]
    assert "available" in bot.press(COMMUNITY, "rs:skip", lang="en")[0]["text"]
    assert "Resource added" in bot.press(COMMUNITY, "rs:skip", lang="en")[0]["text"]
    [added] = _resources(tree, "梅园社区")
    assert (added.unit_name, added.tags, added.capacity, added.availability) == ("锦绣华庭", ("dispute",), None, None)

    [menu] = bot.process(message_update(COMMUNITY, "/resource", lang="en"))
    assert "锦绣华庭法律顾问" in menu["text"] and "neighbour dispute" in menu["text"] and "not given" in menu["text"]
    assert "敬亭苑物业维修" not in menu["text"] and f"rs:off:{elsewhere.id}" not in [data for _, data in bot.buttons(menu)]
    [confirm] = bot.press(COMMUNITY, f"rs:off:{added.id}", lang="en")
    assert "锦绣华庭法律顾问" in confirm["text"] and bot.buttons(confirm)[1] == ("Keep it", "rs:offno")
    assert "Nothing was changed" in bot.press(COMMUNITY, "rs:offno", lang="en")[0]["text"]
    bot.send(COMMUNITY, "/resource", lang="en")
    bot.press(COMMUNITY, f"rs:off:{added.id}", lang="en")
    assert "is deactivated" in bot.press(COMMUNITY, f"rs:offyes:{added.id}", lang="en")[0]["text"]
    assert _resources(tree, "梅园社区") == []
    assert [r.active for r in _resources(tree, "梅园社区", include_inactive=True)] == [False]
    assert "No resources" in bot.send(COMMUNITY, "/resource", lang="en")[0]


def test_the_handler_follows_the_house_rules():
    handler = resource.build_handler()
    assert isinstance(handler, ConversationHandler) and handler.name == "resource" and handler.persistent
