"""The end-to-end harness itself (tests/helpers/emulator*), proven on a tiny PTB bot defined here.

Not the project's bot: these tests show that python-telegram-bot 22 runs against the patched
telegram-test-api emulator for commands, conversations, inline keyboards, media, files, load and restarts.
"""
from __future__ import annotations

import asyncio
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

from tests.helpers.emulator import (  # noqa: F401  (telegram_emulator is the fixture)
    TelegramEmulator,
    async_run_app,
    run_app,
    telegram_emulator,
)

NAME, COUNT = range(2)


def make_png(width: int, height: int) -> bytes:
    """A real (red) PNG image, made without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PNG = make_png(3, 2)


# ------------------------------------------------------------------------------------------------ the bot


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    code = context.args[0] if context.args else "-"
    await update.effective_message.reply_text(f"Welcome, {update.effective_user.first_name}! code={code}")


async def order(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.effective_message.reply_text("What is your name?")
    return NAME


async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["name"] = update.effective_message.text
    await update.effective_message.reply_text("How many?")
    return COUNT


async def got_count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.effective_message.reply_text(f"Order: {context.user_data['name']} x {update.effective_message.text}")
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.effective_message.reply_text("Cancelled")
    return ConversationHandler.END


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Apple", callback_data="pick:apple"), InlineKeyboardButton("Pear", callback_data="pick:pear")]]
    )
    await update.effective_message.reply_text("Pick a fruit", reply_markup=keyboard)


async def picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"noted {query.data}")
    edited = await query.edit_message_text(f"You picked {query.data.split(':')[1]} (was: {query.message.text})")
    # the emulator answers the edited Message, as Telegram does
    assert edited.text.startswith("You picked") and edited.message_id == query.message.message_id


async def files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    photo_msg = await update.effective_message.reply_photo(PNG, caption="a red chart")
    doc_msg = await update.effective_message.reply_document(b"col1,col2\n1,2\n", filename="report.csv", caption="the report")
    # the Messages returned for photos and documents are real ones PTB can read, and the files come back
    size = photo_msg.photo[-1]
    tg_file = await context.bot.get_file(doc_msg.document.file_id)
    content = bytes(await tg_file.download_as_bytearray())
    await update.effective_message.reply_text(
        f"sent photo {size.width}x{size.height} and {doc_msg.document.file_name} ({len(content)} bytes: {content[:9].decode()})"
    )


async def user_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    document = update.effective_message.document
    data = bytes(await (await document.get_file()).download_as_bytearray())
    await update.effective_message.reply_text(f"got {document.file_name}: {len(data)} bytes, {data.decode()!r}")


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_chat_action(update.effective_chat.id, "typing")
    await update.effective_message.reply_text(update.effective_message.text.replace("ping", "pong"))


async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise RuntimeError("boom in a handler")


async def unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await context.bot.send_dice(update.effective_chat.id)
    except BadRequest as exc:
        await update.effective_message.reply_text(f"BadRequest: {exc.message}")


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand("start", "Start"), BotCommand("order", "Order something")])


def build_app(
    emulator: TelegramEmulator, persistence_file: Path | None = None, *, rate_limiter: bool = False
) -> Application:
    builder = emulator.application_builder().post_init(post_init)
    if persistence_file is not None:
        builder = builder.persistence(PicklePersistence(persistence_file))
    if rate_limiter:  # as the project's bot is built
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("order", order)],
            states={
                NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                COUNT: [MessageHandler(filters.Regex(r"^\d+$"), got_count)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="order",
            persistent=persistence_file is not None,
        )
    )
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(picked, pattern=r"^pick:"))
    app.add_handler(CommandHandler("files", files))
    app.add_handler(CommandHandler("boom", boom))
    app.add_handler(CommandHandler("unsupported", unsupported))
    app.add_handler(MessageHandler(filters.Document.ALL, user_document))
    app.add_handler(MessageHandler(filters.Regex(r"^ping \d+$"), ping))
    return app


# ------------------------------------------------------------------------------------------------ tests


@pytest.fixture
def bot(telegram_emulator: TelegramEmulator):
    """The tiny bot polling the session's emulator for one test (one bot per token at a time)."""
    with run_app(build_app(telegram_emulator)) as running:
        yield running


def test_start_command_with_deep_link_payload(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_command(chat, "/start CODE42", first_name="Lin", language_code="zh-hans")
    reply = telegram_emulator.wait_for_reply(chat)
    assert reply["text"] == "Welcome, Lin! code=CODE42"
    assert reply["chat_id"] == chat
    # post_init's setMyCommands reached the emulator
    commands = next(iter(telegram_emulator.my_commands().values()))
    assert [c["command"] for c in commands] == ["start", "order"]


def test_two_step_conversation(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_command(chat, "/order")
    assert telegram_emulator.wait_for_reply(chat)["text"] == "What is your name?"
    telegram_emulator.send_message(chat, "Alice")
    assert telegram_emulator.wait_for_reply(chat)["text"] == "How many?"
    telegram_emulator.send_message(chat, "3")
    assert telegram_emulator.wait_for_reply(chat)["text"] == "Order: Alice x 3"
    assert telegram_emulator.replies(chat) == []


def test_inline_button_press_edits_the_message(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_command(chat, "/menu")
    prompt = telegram_emulator.wait_for_reply(chat, "Pick a fruit")
    labels = [b["text"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Apple", "Pear"]

    telegram_emulator.press_button(chat, prompt, "Pear")
    edited = telegram_emulator.wait_for_edit(chat, prompt["message_id"], "You picked")
    # the callback carried the stored message (its text), and the edit dropped the keyboard as Telegram does
    assert edited["text"] == "You picked pear (was: Pick a fruit)"
    assert "reply_markup" not in edited
    assert edited["edits"] == 1
    answers = [a for a in telegram_emulator.callback_answers() if a["text"] == "noted pick:pear"]
    assert len(answers) == 1
    # an edit is not a new message
    assert telegram_emulator.replies(chat) == []


def test_photo_and_document_are_recorded(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_command(chat, "/files")
    photo = telegram_emulator.wait_for_reply(chat, lambda m: "photo" in m)
    assert photo["caption"] == "a red chart"
    assert photo["photo"][0]["width"] == 3 and photo["photo"][0]["height"] == 2
    assert photo["photo"][0]["file_size"] == len(PNG)
    document = telegram_emulator.wait_for_reply(chat, lambda m: "document" in m)
    assert document["caption"] == "the report"
    assert document["file_name"] == "report.csv"
    assert document["document"]["mime_type"] == "text/csv"
    summary = telegram_emulator.wait_for_reply(chat, "sent photo")
    assert summary["text"] == "sent photo 3x2 and report.csv (14 bytes: col1,col2)"


def test_user_sends_a_document_the_bot_downloads(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_document(chat, "物业费 2024".encode(), "notice.txt", "text/plain", caption="please read")
    reply = telegram_emulator.wait_for_reply(chat)
    assert reply["text"] == "got notice.txt: 14 bytes, '物业费 2024'"


def test_unimplemented_method_is_a_bad_request(telegram_emulator: TelegramEmulator, bot) -> None:
    chat = telegram_emulator.new_chat_id()
    telegram_emulator.send_command(chat, "/unsupported")
    reply = telegram_emulator.wait_for_reply(chat)
    assert reply["text"].startswith("BadRequest: The test emulator does not implement the Bot API method sendDice")


def test_fifty_concurrent_users_each_get_their_reply(telegram_emulator: TelegramEmulator, bot) -> None:
    chats = [telegram_emulator.new_chat_id() for _ in range(50)]

    def conversation(i: int, chat: int) -> str:
        telegram_emulator.send_message(chat, f"ping {i}", first_name=f"user{i}")
        return telegram_emulator.wait_for_reply(chat, timeout=30)["text"]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        texts = list(pool.map(conversation, range(50), chats))
    elapsed = time.monotonic() - started
    assert texts == [f"pong {i}" for i in range(50)]
    assert all(telegram_emulator.replies(chat) == [] for chat in chats)
    assert elapsed < 20, f"50 users took {elapsed:.1f}s"


def test_handler_errors_fail_the_run(telegram_emulator: TelegramEmulator) -> None:
    chat = telegram_emulator.new_chat_id()
    app = build_app(telegram_emulator)
    with pytest.raises(AssertionError, match="boom in a handler"):
        with run_app(app) as running:
            telegram_emulator.send_command(chat, "/boom")
            deadline = time.monotonic() + 10
            while not running.errors and time.monotonic() < deadline:
                time.sleep(0.02)
    assert isinstance(running.errors[0], RuntimeError)


def test_restart_mid_conversation_with_a_new_application(telegram_emulator: TelegramEmulator, tmp_path: Path) -> None:
    """Stop the bot between two steps, send while it is down, start a NEW Application: nothing is lost."""
    state = tmp_path / "bot.pickle"
    chat = telegram_emulator.new_chat_id()

    with run_app(build_app(telegram_emulator, state)):
        telegram_emulator.send_command(chat, "/order")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "What is your name?"

    telegram_emulator.send_message(chat, "Bob")  # arrives while no bot runs
    time.sleep(0.2)
    assert telegram_emulator.replies(chat) == []

    with run_app(build_app(telegram_emulator, state)):
        assert telegram_emulator.wait_for_reply(chat)["text"] == "How many?"
        telegram_emulator.send_message(chat, "7")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "Order: Bob x 7"

    # and a third one, started and stopped again, still answers
    with run_app(build_app(telegram_emulator, state)):
        telegram_emulator.send_command(chat, "/start again")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "Welcome, Tester! code=again"


def test_webhook_mode_then_polling_gets_what_the_webhook_missed(telegram_emulator: TelegramEmulator) -> None:
    """run_webhook as in production (secret token, rate limiter); an update sent while no bot listens waits."""
    chat = telegram_emulator.new_chat_id()
    with run_app(build_app(telegram_emulator, rate_limiter=True), webhook=True):
        telegram_emulator.send_command(chat, "/order")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "What is your name?"
        telegram_emulator.send_message(chat, "Eve")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "How many?"
        telegram_emulator.send_message(chat, "2")
        assert telegram_emulator.wait_for_reply(chat)["text"] == "Order: Eve x 2"

    telegram_emulator.send_message(chat, "ping 1")  # the webhook is gone: delivery fails, the update waits
    time.sleep(0.2)
    with run_app(build_app(telegram_emulator)):  # polling: deleteWebhook, then getUpdates
        assert telegram_emulator.wait_for_reply(chat)["text"] == "pong 1"


def test_async_run_app_on_the_callers_loop(telegram_emulator: TelegramEmulator) -> None:
    chat = telegram_emulator.new_chat_id()

    async def scenario() -> str:
        async with async_run_app(build_app(telegram_emulator)):
            await asyncio.to_thread(telegram_emulator.send_command, chat, "/start async")
            reply = await asyncio.to_thread(telegram_emulator.wait_for_reply, chat)
            return reply["text"]

    assert asyncio.run(scenario()) == "Welcome, Tester! code=async"
