"""Junk input (issue 14 items 6, 7): forged and stale buttons, ids too large to store, needs outside the
sender's scope, channel posts, strangers pressing buttons, over-long sends, paged pickers — each gets a short
reply in the sender's language and a log line, never an unhandled exception."""
from __future__ import annotations

import io
import logging

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.handlers.terminal import OPERATOR_ID, TerminalChat
from assistant.messages import t
from assistant.org.people import ensure_local_operator
from assistant.textlimits import ELLIPSIS, utf16_len

from ..helpers import scope
from ..helpers.offline import OfflineBot, callback_update, message_update

STRANGER = 3999
HUGE = 999999999999999999999999


@pytest.fixture
def world(bot_settings, tree):
    inside, outside, _ = scope.build(tree)
    return inside, outside


def calls_since(bot, before: int) -> list[dict]:
    return bot.request.calls[before:]


def said(bot, update: dict) -> list[str]:
    """Everything the sender was told: callback answers' texts and messages' texts."""
    before = len(bot.request.calls)
    bot.process(update)
    return [c.get("text") for c in calls_since(bot, before)
            if c["method"] in ("answerCallbackQuery", "sendMessage") and c.get("text")]


def no_errors(caplog) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forged_buttons_are_answered_as_stale(bot_settings, world, caplog, lang):
    inside, _ = world
    chat = inside.chat("community")
    stale = t("bot.stale_button", lang)
    with OfflineBot(bot_settings, rate_limit=False) as bot, caplog.at_level(logging.INFO):
        for data in ("nc:abc", "nc:show:x", f"nc:accept:{HUGE}", "cs:ok:abc", "rs:off:1x", "pts:e:", "pg:nosuch:1"):
            assert stale in said(bot, callback_update(chat, data, lang)), data
        bot.process(message_update(chat, "/need", lang))
        step = bot.request.sent[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"][:5]  # nf:c: or nf:b:
        assert step in ("nf:c:", "nf:b:")
        assert stale in said(bot, callback_update(chat, step + "abc", lang))
        assert said(bot, callback_update(chat, "nf:join:x", lang))  # not the duplicate step: asked again
    no_errors(caplog)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 8 and all("Unreadable bot.stale_button" in r for r in refusals)


def test_needs_outside_scope_or_too_large_answer_as_not_there(bot_settings, world, caplog):
    inside, outside = world
    chat = inside.chat("community")
    theirs = outside.kit["need"]
    missing = theirs + 10_000
    with OfflineBot(bot_settings, rate_limit=False) as bot, caplog.at_level(logging.INFO):
        def not_found(text_or_data: str, need_id: int, press: bool = False) -> None:
            update = callback_update(chat, text_or_data) if press else message_update(chat, text_or_data)
            assert said(bot, update)[-1] == t("need.err.not_found", "zh", id=need_id), text_or_data

        not_found(f"/need_{HUGE}", HUGE)
        not_found(f"/need_{missing}", missing)
        not_found(f"/need_{theirs}", theirs)  # exists, outside the community: the same reply as for no need
        for action in ("show", "accept"):
            not_found(f"nc:{action}:{theirs}", theirs, press=True)
            not_found(f"nc:{action}:{missing}", missing, press=True)
        own = said(bot, message_update(chat, f"/need_{inside.kit['need']}"))
        assert own and "找不到" not in own[0]  # the community's own need is shown
    no_errors(caplog)


def test_channel_post_reading_like_a_need_gets_one_short_reply(bot_settings, world, caplog):
    channel = {"id": -1001234567890, "type": "channel", "title": "小区公告"}
    post = {"message_id": 5, "date": 1, "chat": channel, "sender_chat": channel, "text": "1栋电梯坏了两天了，请尽快处理"}
    with OfflineBot(bot_settings, rate_limit=False) as bot, caplog.at_level(logging.INFO):
        before = len(bot.request.calls)
        bot.process({"update_id": 910001, "channel_post": post})
        bot.process({"update_id": 910002, "edited_channel_post": {**post, "edit_date": 2}})
        sent = [c for c in calls_since(bot, before) if c["method"] == "sendMessage"]
    assert [(int(c["chat_id"]), c["text"]) for c in sent] == [(channel["id"], t("bot.private_only", "zh"))]
    no_errors(caplog)
    assert sum("has no sender" in r.getMessage() for r in caplog.records) == 2


def test_a_stranger_pressing_case_buttons_is_told_to_register(bot_settings, world, caplog):
    inside, _ = world
    case = inside.kit["case"]
    with OfflineBot(bot_settings, rate_limit=False) as bot, caplog.at_level(logging.INFO):
        assert t("bot.not_registered", "en") in said(bot, callback_update(STRANGER, f"cs:ok:{case}", "en"))
        said(bot, callback_update(STRANGER, f"cs:reply:{case}", "en"))
        assert t("bot.not_registered", "en") in said(bot, message_update(STRANGER, "我已经整改了", "en"))
    no_errors(caplog)


def test_long_texts_are_split_edits_and_captions_cut(bot_settings, db):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="x")]])
    text = "\n\n".join(["😀社区" * 500] * 4)  # 6,000 characters, 8,000 UTF-16 units
    with OfflineBot(bot_settings, rate_limit=False) as bot:
        def calls(send) -> list[dict]:
            before = len(bot.request.calls)
            bot.loop.run_until_complete(send)
            return [c for c in calls_since(bot, before) if c["method"] != "getMe"]

        plain = calls(bot.app.bot.send_message(7, text, reply_markup=markup))
        html = calls(bot.app.bot.send_message(7, "<b>" + "字&amp;" * 3000 + "</b>", parse_mode="HTML"))
        [edit] = calls(bot.app.bot.edit_message_text(text, chat_id=7, message_id=1))
        [photo] = calls(bot.app.bot.send_photo(7, "file-id", caption=text))
    assert [c["method"] for c in plain] == ["sendMessage"] * 2 and "\n\n".join(c["text"] for c in plain) == text
    assert [bool(c.get("reply_markup")) for c in plain] == [False, True]  # the keyboard on the last part
    # 18,000 units as written (tags and entities counted as typed: never more than Telegram counts after parsing)
    assert len(html) == 5 and all(c["text"].startswith("<b>") and c["text"].endswith("</b>") for c in html)
    assert all(utf16_len(c["text"]) <= 4096 for c in plain + html)
    assert utf16_len(edit["text"]) <= 4096 and edit["text"].endswith(ELLIPSIS)
    assert utf16_len(photo["caption"]) <= 1024 and photo["caption"].endswith(ELLIPSIS)


def _pages(bot, chat: int, first: dict) -> tuple[list[str], list[dict]]:
    """Every choice of a paged picker, walked with its ▶ button; and the edits made."""
    seen, edits = [], []
    keyboard = first["reply_markup"]["inline_keyboard"]
    while True:
        data = [b["callback_data"] for row in keyboard for b in row]
        seen += [d for d in data if not d.startswith("pg:") and d != "nf:back"]
        forward = [b["callback_data"] for row in keyboard for b in row if b["text"] == t("picker.next", "zh")]
        assert sum(len(row) for row in keyboard) <= 100
        if not forward:
            return seen, edits
        before = len(bot.request.calls)
        bot.process(callback_update(chat, forward[0]))
        edit = [c for c in calls_since(bot, before) if c["method"] == "editMessageReplyMarkup"]
        assert len(edit) == 1
        edits.append(edit[0])
        keyboard = edit[0]["reply_markup"]["inline_keyboard"]


def test_a_picker_of_many_units_is_paged(bot_settings, world):
    inside, _ = world
    settings = bot_settings.model_copy(update={"picker_page_size": 2})
    chat = inside.chat("district")
    with OfflineBot(settings, rate_limit=False) as bot:
        first = bot.process(message_update(chat, "/need"))[-1]
        choices, edits = _pages(bot, chat, first)
        assert len(edits) >= 1 and len(choices) == len(set(choices)) > 2  # every compound once, over pages
        assert all(d.startswith("nf:c:") for d in choices)
        answer = bot.process(callback_update(chat, choices[-1]))[-1]  # a compound from the last page
        assert any(b.startswith("nf:b:") for b in [x["callback_data"] for row in answer["reply_markup"]["inline_keyboard"]
                                                   for x in row])


def test_the_terminal_chat_pages_a_picker(bot_settings, tree):
    settings = bot_settings.model_copy(update={"picker_page_size": 2})
    with tree.session() as session:
        ensure_local_operator(session, "telegram", str(OPERATOR_ID))
    with OfflineBot(settings, rate_limit=False) as bot:
        chat = TerminalChat(bot.app, bot.request, "zh")
        bot.request.out = out = io.StringIO()
        bot.loop.run_until_complete(chat.send("/need"))
        labels = [label for label, _, _ in bot.request.buttons]
        bot.loop.run_until_complete(chat.send(str(labels.index(t("picker.next", "zh")) + 1)))
        second = [label for label, _, _ in bot.request.buttons]
        assert second != labels and t("picker.prev", "zh") in second
        assert f"[{second.index(t('picker.prev', 'zh')) + 1}] {t('picker.prev', 'zh')}" in out.getvalue()
        bot.loop.run_until_complete(chat.send("1"))  # the first compound of page 2
        assert any(data.startswith("nf:b:") for _, data, _ in bot.request.buttons)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_nul_character_and_a_forged_invite_role_are_answered(bot_settings, world, caplog, lang):
    """Found by bench/faults.py's 10,000-update fuzz: PostgreSQL cannot store a NUL character (DataError), and a
    forged role in an invite button raised KeyError."""
    inside, _ = world
    chat = inside.chat("community")
    with OfflineBot(bot_settings, rate_limit=False) as bot, caplog.at_level(logging.INFO):
        bot.process(message_update(chat, "/need", lang))
        assert said(bot, message_update(chat, "电梯\x00坏了", lang)) == [t("bot.nul_text", lang)]
        bot.process(message_update(chat, "/cancel", lang))
        assert said(bot, message_update(chat, "\x00" * 3, lang)) == [t("bot.nul_text", lang)]
        bot.process(message_update(chat, "/invite", lang))
        assert t("bot.stale_button", lang) in said(bot, callback_update(chat, "inv:role:emperor", lang))
    no_errors(caplog)
