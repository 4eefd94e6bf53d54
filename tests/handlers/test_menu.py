"""Per-chat command menus and /help by role, through the offline bot (its Bot API calls are recorded)."""
from assistant.config import Settings
from assistant.digest.context import PERIOD_ALIASES, PERIODS
from assistant.handlers.app import post_init
from assistant.org.invites import person_id_of
from assistant.org.people import bind_role, create_person
from assistant.org.tree import add_unit, find_unit
from assistant.storage.models import ChannelAccount, Person

from ..helpers.offline import OfflineBot
from .conftest import make_code

RESIDENT, COORDINATOR = 601, 602
COORDINATOR_ONLY = {"case", "evaluate", "invite", "digest", "export", "check", "checkins"}


def test_each_chat_gets_the_menu_of_its_roles(bot_settings, tree):
    resident_code = make_code(bot_settings, tree, "resident", "MY01-3", name="居民乙")
    coordinator_code = make_code(bot_settings, tree, "community", "梅园社区", name="社区王")
    with OfflineBot(bot_settings) as bot:
        bot.loop.run_until_complete(post_init(bot.app))
        default = bot.menu()
        bot.send(RESIDENT, f"/start {resident_code}")
        bot.send(COORDINATOR, f"/start {coordinator_code}")
        resident, coordinator = bot.menu(RESIDENT), bot.menu(COORDINATOR)
    assert default == ["start", "help", "ask", "whoami", "cancel"]
    assert {"need", "mine", "checkin", "points"} <= set(resident) and not COORDINATOR_ONLY & set(resident)
    assert COORDINATOR_ONLY <= set(coordinator) and {"need", "todo", "flowin"} <= set(coordinator)


def test_a_role_granted_later_shows_at_the_next_help(bot_settings, tree):
    code = make_code(bot_settings, tree, "resident", "MY01-3", name="居民丙")
    with OfflineBot(bot_settings) as bot:
        bot.send(RESIDENT, f"/start {code}")
        calls = len([c for c in bot.request.calls if c["method"] == "setMyCommands"])
        bot.send(RESIDENT, "/help")  # nothing changed: the menu is not set again
        assert len([c for c in bot.request.calls if c["method"] == "setMyCommands"]) == calls
        with tree.session() as s:  # as `assistant` from the command line would
            person = s.get(Person, person_id_of(s, "telegram", RESIDENT))
            bind_role(s, person, "branch_secretary", find_unit(s, "MY01"))
        [text] = bot.send(RESIDENT, "/help")
        assert {"case", "evaluate", "invite"} <= set(bot.menu(RESIDENT))
    assert "/case" in text and "/invite" in text


def test_help_lists_what_the_role_may_use(bot_settings, tree):
    resident_code = make_code(bot_settings, tree, "resident", "MY01-3")
    coordinator_code = make_code(bot_settings, tree, "community", "梅园社区")
    with OfflineBot(bot_settings) as bot:
        [stranger] = bot.send(RESIDENT + 10, "/help")
        bot.send(RESIDENT, f"/start {resident_code}")
        bot.send(COORDINATOR, f"/start {coordinator_code}")
        [resident] = bot.send(RESIDENT, "/help")
        [coordinator] = bot.send(COORDINATOR, "/help", lang="en")
    assert "/ask" in stranger and "/start" in stranger and "/need" not in stranger
    assert "/need —" in resident and "/need_编号" in resident and "/mine" in resident
    for command in ("/case", "/evaluate", "/invite", "/digest", "/quit"):
        assert command not in resident
    assert "/quit" not in coordinator  # only the terminal chat has it
    for command in ("/need_ID", "/todo", "/case", "/evaluate", "/invite", "/export", "/digest_on"):
        assert command in coordinator
    for period in (*PERIODS, *PERIOD_ALIASES):  # every period /digest accepts
        assert period in coordinator
    assert "2026-11-01..2026-11-30" in coordinator


def test_refusals_say_why(bot_settings, tree):
    resident_code = make_code(bot_settings, tree, "resident", "MY01-3")
    with tree.session() as s:
        empty = add_unit(s, "新建社区", "community", find_unit(s, "澄江街道"))
        coordinator = create_person(s, "新社区协调员")
        bind_role(s, coordinator, "community", empty)
        s.add(ChannelAccount(channel="telegram", external_id=str(COORDINATOR), person=coordinator))
    with OfflineBot(bot_settings) as bot:
        bot.send(RESIDENT, f"/start {resident_code}")
        [role] = bot.send(RESIDENT, "/digest")
        [role_en] = bot.send(RESIDENT, "/invite", lang="en")
        [unit] = bot.send(COORDINATOR, "/flowin")
        [stranger] = bot.send(RESIDENT + 10, "/digest")
    assert role == "您的角色不能进行此操作（您的角色：居民）。"
    assert role_en == "Your role does not allow this (your roles: resident)."
    assert unit == "这不在您负责的单位范围内（您的单位：新建社区）。"
    assert "还没有注册" in stranger


def test_refusal_without_an_organisation(shared_data_dir, db, db_url):
    settings = Settings(data_dir=shared_data_dir, DATABASE_URL=db_url, telegram_bot_token="123456:TEST")
    with OfflineBot(settings) as bot:
        [digest] = bot.send(RESIDENT, "/digest")
        [invite] = bot.send(RESIDENT, "/invite", lang="en")
    assert digest.startswith("还没有导入组织架构") and "assistant org import examples/org_example.csv" in digest
    assert invite.startswith("No organisation has been imported yet") and "assistant demo" in invite
