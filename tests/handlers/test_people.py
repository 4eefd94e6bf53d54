"""/people through the offline bot: coordinators list, show and revoke within their own subtree only."""
from __future__ import annotations

from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit

from ..helpers.offline import OfflineBot
from .conftest import make_code


def _people(tree) -> None:
    with tree.session() as s:
        for name, phone, role, unit in (("张三", "13812345678", "building_leader", "MY01-1"),
                                        ("锦绣楼长", "13812340000", "building_leader", "MY02-1"),
                                        ("别处楼长", "13800000000", "building_leader", "JT01-1")):
            bind_role(s, create_person(s, name, phone), role, find_unit(s, unit))


def test_people_in_chat_is_scoped_masked_and_revokes(bot_settings, tree):
    _people(tree)
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((801, "branch_secretary", "MY01"), (802, "building_leader", "MY01-2")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        listing = bot.send(801, "/people")[0]
        assert "张三 138****5678" in listing and "13812345678" not in listing
        assert "锦绣楼长" not in listing and "别处楼长" not in listing
        card = bot.send(801, "/people show 13812345678")[0]
        assert "张三" in card and "梅园新村 > 1栋" in card and "138****5678" in card
        assert "找不到人员“锦绣楼长”" in bot.send(801, "/people show 锦绣楼长")[0]
        assert "没有权限" in bot.send(802, "/people")[0]
        assert "没有权限" in bot.send(803, "/people")[0]  # not registered
        assert "用法" in bot.send(801, "/people revoke 张三")[0]
        assert "未知角色“mayor”" in bot.send(801, "/people revoke 张三 mayor")[0]
        assert "已撤销 张三 的“楼栋长”角色" in bot.send(801, "/people revoke 张三 楼栋长")[0]
        assert "张三" not in bot.send(801, "/people")[0]
        english = bot.send(801, "/people revoke 张三 building_leader", lang="en")[0]
        assert english.startswith("No person")  # no longer bound in the compound, so out of reach


def test_an_admin_sees_full_phones_and_shared_names_get_candidates(bot_settings, tree):
    _people(tree)
    with tree.session() as s:
        bind_role(s, create_person(s, "张三", "13911112222"), "resident", find_unit(s, "MY02"))
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(804, f"/start {make_code(bot_settings, tree, 'admin', '宣州区')}")[0]
        assert "13812345678" in bot.send(804, "/people")[0]
        reply = bot.send(804, "/people 张三")[0]
        assert "“张三”对应多人" in reply and "13812345678" in reply and "13911112222" in reply


def test_an_admin_still_finds_a_person_whose_last_role_was_revoked(bot_settings, tree):
    _people(tree)
    with OfflineBot(bot_settings) as bot:
        assert "注册成功" in bot.send(804, f"/start {make_code(bot_settings, tree, 'admin', '宣州区')}")[0]
        assert "已撤销 张三 的“楼栋长”角色" in bot.send(804, "/people revoke 张三 楼栋长")[0]
        card = bot.send(804, "/people show 张三")[0]
        assert "张三" in card and "13812345678" in card and "（无）" in card
        assert "张三" not in bot.send(804, "/people")[0]
        assert "张三 13812345678 — 无角色" in bot.send(804, "/people all")[0]
        english = bot.send(804, "/people show 13812345678", lang="en")[0]
        assert "(none)" in english
