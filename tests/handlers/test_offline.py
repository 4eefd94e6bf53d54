"""The real Application and handlers driven with process_update, no network (both databases)."""
from datetime import timedelta

from assistant.org import invites
from assistant.storage.models import Invite, utcnow

from ..helpers.offline import OfflineBot, message_update
from .conftest import make_code

WORKER = 501
OTHER = 502


def test_unknown_account_gets_start_help_and_policy_answers(bot_settings):
    with OfflineBot(bot_settings) as bot:
        assert "社区治理助手" in bot.send(WORKER, "/start")[0]
        assert "/ask" in bot.send(WORKER, "/help")[0]
        assert "还没有注册" in bot.send(WORKER, "/whoami")[0]
        [reply] = bot.process(message_update(WORKER, "小区党支部设几名委员？"))
        assert "3-5 名" in reply["text"] and "3. 建立小区（网格）党支部" in reply["text"]
        assert bot.buttons(reply) == [("相关条款", "related")]
        [related] = bot.press(WORKER, "related", message_id=reply["message_id"])
        assert "相关条款" in related["text"] and "组通〔2020〕15号" in related["text"]
        assert bot.send(WORKER, "物业费每平方米多少钱")[0].startswith("文件没有")


def test_related_button_belongs_to_its_own_answer_after_a_restart(bot_settings):
    with OfflineBot(bot_settings) as bot:
        [first] = bot.process(message_update(WORKER, "小区党支部设几名委员？"))
        [second] = bot.process(message_update(WORKER, "物业联络员由什么人担任？"))
    with OfflineBot(bot_settings) as bot:  # a new process on the same database: chat data comes back
        [old] = bot.press(WORKER, "related", message_id=first["message_id"])
        [new] = bot.press(WORKER, "related", message_id=second["message_id"])
        [unknown] = bot.press(WORKER, "related", message_id=999_999)
    assert "3. 建立小区（网格）党支部" in first["text"] and "3. 建立小区（网格）党支部" not in old["text"]
    assert "11. 上下联动协同共治" in second["text"] and "11. 上下联动协同共治" not in new["text"]
    assert old["text"] != new["text"]
    assert unknown["text"] == "没有更多相关条款。"


def test_english_user_gets_english(bot_settings):
    with OfflineBot(bot_settings) as bot:
        assert "Hello" in bot.send(WORKER, "/start", lang="en")[0]
        answer = bot.send(WORKER, "how many committee members does a branch need", lang="en")[0]
        assert answer.startswith("Clause 3 of 组通〔2020〕15号") and "3-5" in answer
        header = bot.send(WORKER, "What is the document number of this directive?", lang="en")[0]
        assert header.startswith("The header of 组通〔2020〕15号 answers this")  # named as the terminal names it
        part = bot.send(WORKER, "what are the six levels of the response chain?", lang="en")[0]
        assert part.startswith("Part 一 of 组通〔2020〕15号")
        parts = bot.send(WORKER, "how many parts does the directive have?", lang="en")[0]
        assert parts.startswith("The parts of 组通〔2020〕15号 (quoted in Chinese)") and "三、组织实施" in parts
        assert parts.rstrip().endswith("Source: 组通〔2020〕15号") and "文头" not in parts  # the document, not its header


def test_register_with_codes(bot_settings, tree):
    good = make_code(bot_settings, tree, "building_leader", "MY01-3", name="李楼长")
    expired = make_code(bot_settings, tree, "resident", "MY01-3")
    with tree.session() as session:
        session.query(Invite).filter_by(code=expired).update({"expires_at": utcnow() - timedelta(minutes=1)})
    with OfflineBot(bot_settings) as bot:
        assert "已过期" in bot.send(WORKER, f"/start {expired}")[0]
        assert "无效" in bot.send(WORKER, "/start NOPE1234")[0]
        reply = bot.send(WORKER, f"/start {good.lower()}")[0]
        assert "注册成功" in reply and "李楼长" in reply and "楼栋长" in reply
        assert "已被使用" in bot.send(OTHER, f"/start {good}")[0]
        unnamed = make_code(bot_settings, tree, "resident", "MY01-3")
        assert "注册成功：user502，居民" in bot.send(OTHER, f"/start {unnamed}")[0]  # named after the Telegram account
        whoami = bot.send(WORKER, "/whoami")[0]
        assert "李楼长" in whoami and "楼栋长：3栋" in whoami


def test_wrong_codes_are_rate_limited(bot_settings):
    with OfflineBot(bot_settings) as bot:
        replies = [bot.send(OTHER, f"/start WRONG{n:03d}")[0] for n in range(bot_settings.invite_max_failures + 1)]
    assert "无效" in replies[0] and "尝试次数过多" in replies[-1]


def test_ask_conversation_and_cancel(bot_settings):
    with OfflineBot(bot_settings) as bot:
        assert "请输入您的问题" in bot.send(WORKER, "/ask")[0]
        assert "6月底" in bot.send(WORKER, "在职党员什么时候报到？")[0]
        bot.send(WORKER, "/ask")
        assert bot.send(WORKER, "/cancel") == ["已取消。"]
        assert bot.send(WORKER, "/cancel") == ["当前没有进行中的操作。"]
        assert "1-2" in bot.send(WORKER, "/ask 小区党支部设几名副书记？")[0]


def test_an_update_delivered_twice_is_processed_once(bot_settings):
    with OfflineBot(bot_settings) as bot:
        payload = message_update(WORKER, "/help")
        assert len(bot.process(payload)) == 1
        assert bot.process(payload) == []


def _register(bot, settings, db, user_id, role, unit):
    code = make_code(settings, db, role, unit)
    assert "注册成功" in bot.send(user_id, f"/start {code}")[0]


def test_invite_stays_within_the_subtree(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        _register(bot, bot_settings, tree, WORKER, "branch_secretary", "MY01")
        [menu] = bot.process(message_update(WORKER, "/invite"))
        roles = [label for label, _ in bot.buttons(menu)]
        assert "楼栋长" in roles and "社区协调员" not in roles and "小区党支部书记" in roles
        [units] = bot.press(WORKER, "inv:role:building_leader")
        paths = [label for label, _ in bot.buttons(units)]
        assert paths and all("梅园新村" in p for p in paths)
        # another compound's building, typed by its code: denied
        assert "不能在这个单位" in bot.send(WORKER, "JT01-1")[0]
        assert "没有找到" in bot.send(WORKER, "火星小区")[0]
        # a number typed is never a unit's row id, not even of a unit it offers
        first_id = bot.buttons(units)[0][1].split(":")[2]
        assert "没有名称或编码为“" + first_id + "”的单位" in bot.send(WORKER, first_id)[0]
        [ask_name] = bot.press(WORKER, f"inv:unit:{bot.buttons(units)[0][1].split(':')[2]}")
        assert "请输入受邀人姓名" in ask_name["text"]
        created = bot.send(WORKER, "王五")[0]
        assert "邀请码" in created and "王五" in created and "/start" in created
        # a building leader cannot invite at all
        _register(bot, bot_settings, tree, OTHER, "building_leader", "MY01-1")
        assert "您的角色不能进行此操作" in bot.send(OTHER, "/invite")[0]


def test_half_finished_conversation_survives_a_restart(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        _register(bot, bot_settings, tree, WORKER, "community", "梅园社区")
        bot.send(WORKER, "/invite")
        bot.press(WORKER, "inv:role:branch_secretary")
    with OfflineBot(bot_settings) as bot:  # a new process on the same database
        assert "请输入受邀人姓名" in bot.send(WORKER, "锦绣华庭")[0]
        created = bot.send(WORKER, "赵书记")[0]
    code = created.split("：", 1)[1].split("\n")[0].strip()
    with tree.session() as session:
        invite = session.query(Invite).filter_by(code=code).one()
        assert invite.role == "branch_secretary" and invite.unit.name == "锦绣华庭" and invite.name == "赵书记"
    assert invites.normalise_code(code) == code
