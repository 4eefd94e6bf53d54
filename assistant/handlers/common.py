"""Helpers every handler module uses: the runtime, the user's language and binding, replies, form steps."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import warnings
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CommandHandler, ContextTypes, ConversationHandler
from telegram.warnings import PTBUserWarning

from ..errors import MAX_ID, DomainError, Unreadable
from ..messages import CATALOGUE, t
from ..runtime import Runtime
from ..org import invites

RUNTIME = "runtime"
FORM_MESSAGES = "form_messages"  # user_data: form name -> [chat id, message id, has buttons] of its current step
NOT_MODIFIED = "message is not modified"
KEPT_PER_CHAT = 50  # messages per chat whose buttons' data (related clauses, an offered need) stay available
log = logging.getLogger(__name__)


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.bot_data[RUNTIME]


def for_channel(context: ContextTypes.DEFAULT_TYPE, key: str) -> str:
    """The message's variant for the chat's channel (`key.terminal`: 'type the number', not 'press') if any."""
    return channel_key(key, runtime(context).channel)


def channel_key(key: str, channel: str) -> str:
    """`key.<channel>` when the catalogue has that variant, else `key`."""
    variant = f"{key}.{channel}"
    return variant if variant in CATALOGUE else key


def keep_for_message(context: ContextTypes.DEFAULT_TYPE, kind: str, message, value) -> None:
    """Keep what a button under `message` acts on, keyed by that message (in chat_data: it survives a restart), so
    a button under an older message acts on its own message's data, not the latest one's."""
    kept = context.chat_data.setdefault(kind, {})
    kept[str(message.message_id)] = value
    for old in list(kept)[:-KEPT_PER_CHAT]:
        del kept[old]


def kept_for_message(context: ContextTypes.DEFAULT_TYPE, kind: str, message):
    """What `keep_for_message` kept for the message (None when nothing, or when it is too old)."""
    return context.chat_data.get(kind, {}).get(str(message.message_id)) if message is not None else None


def lang_of(update: Update) -> str:
    user = update.effective_user
    return (user.language_code or "zh") if user else "zh"


def account_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[str, str]:
    """(channel, external id) of the sender."""
    return runtime(context).channel, str(update.effective_user.id)


async def reply(update: Update, key: str, reply_markup=None, **values) -> None:
    """Reply with catalogue text in the user's language."""
    await update.effective_message.reply_text(t(key, lang_of(update), **values), reply_markup=reply_markup)


def in_session(context: ContextTypes.DEFAULT_TYPE, fn, *, read_only: bool = False):
    """Awaitable of fn(session), run in a worker thread inside a committed-or-rolled-back session
    (`read_only` for long reports: no write lock on SQLite)."""
    rt = runtime(context)

    def work():
        with rt.db.session(read_only) as session:
            return fn(session)

    return asyncio.to_thread(work)


async def as_person(update: Update, context: ContextTypes.DEFAULT_TYPE, fn, *, registered_only: bool = True,
                    read_only: bool = False):
    """fn(session, person_id) for the sender, in a worker thread.

    Unregistered senders get None back without fn being called, unless registered_only is False
    (then fn sees person_id None).
    """
    channel, external_id = account_of(update, context)

    def call(session):
        person_id = invites.person_id_of(session, channel, external_id)
        if person_id is None and registered_only:
            return None
        return fn(session, person_id)

    return await in_session(context, call, read_only=read_only)


class NotRegistered(DomainError):
    """The sender has no account here (answered by the error handler with how to register)."""

    def __init__(self) -> None:
        super().__init__("bot.not_registered")


async def as_registered(update: Update, context: ContextTypes.DEFAULT_TYPE, fn, *, read_only: bool = False):
    """fn(session, person_id) for a registered sender; NotRegistered for anyone else."""
    found = await as_person(update, context, lambda session, pid: (fn(session, pid),), read_only=read_only)
    if found is None:
        raise NotRegistered()
    return found[0]


def conversation(**kwargs) -> ConversationHandler:
    """A persistent ConversationHandler whose buttons are tracked per user and chat (not per message) on purpose."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(persistent=True, **kwargs)


def cancel_command(*draft_keys: str, form: str | None = None) -> CommandHandler:
    """/cancel inside a conversation: forget its draft and end it (the buttons of `form`'s step removed)."""

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        for key in draft_keys:
            context.user_data.pop(key, None)
        if form is not None:
            await finish(update, context, form, t("bot.cancelled", lang_of(update)))
        else:
            await reply(update, "bot.cancelled")
        return ConversationHandler.END

    return CommandHandler("cancel", cancel)


def first_missing(draft: dict, order: list[str], fields: dict[str, str], step: str) -> str:
    """`step`, or the first step before it in `order` whose field (`fields[step]`) the draft lacks: a stale or
    cut-short draft goes back to the step that sets the field instead of failing on it."""
    before = order[:order.index(step)] if step in order else order
    return next((s for s in before if s in fields and fields[s] not in draft), step)


def number(text: str) -> int:
    """A number read from callback data or a command argument (an id, an index; 0 for "none"): Unreadable
    (answered as a stale button) unless plain ASCII digits within what a row id can be."""
    if not (text.isascii() and text.isdecimal()) or int(text) > MAX_ID:
        raise Unreadable()
    return int(text)


def last_number(data: str) -> int:
    """The number after the last ":" of callback data (`nc:show:12` → 12), read by `number`."""
    return number(data.rsplit(":", 1)[-1])


def keyboard(pairs) -> InlineKeyboardMarkup:
    """One button per row from (label, callback data) pairs."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in pairs])


async def fail(update: Update, err) -> int:
    """Tell the user why a service refused (`err.message(lang)`) and end the conversation."""
    await update.effective_message.reply_text(err.message(lang_of(update)))
    return ConversationHandler.END


_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SHORT_DATE = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")


def parse_day(text: str, today: date, bad_format: str) -> tuple[date | None, str | None]:
    """YYYY-MM-DD (or 2026/11/3, 2026年11月3日) or MM-DD of today's year → (the day, None); otherwise (None, the
    message key): "date.no_such_day" for a well-formed date not on the calendar (2019-02-30, 2019-13-01),
    `bad_format` for anything else."""
    text = text.strip().replace(" ", "")
    if m := _FULL_DATE.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _SHORT_DATE.match(text):
        year, month, day = today.year, int(m[1]), int(m[2])
    else:
        return None, bad_format
    try:
        return date(year, month, day), None
    except ValueError:
        return None, "date.no_such_day"


# ---------------------------------------------------------------- form steps, in one message


async def step(update: Update, context: ContextTypes.DEFAULT_TYPE, form: str, text: str, reply_markup=None,
               parse_mode=None) -> None:
    """Show the next step of `form`: a button pressed on the form's current message edits that message into it
    (unless something was sent after it, or it carries a photo); otherwise — a typed answer, a command, an older
    message's button — the step is sent as a new message and the previous step's buttons are removed.

    The form's message is kept in user_data (saved with the conversation state: it survives a restart); an edit
    that changes nothing ("message is not modified": the same update handled again after a crash) is done."""
    forms = context.user_data.setdefault(FORM_MESSAGES, {})
    chat_id = update.effective_chat.id
    current = forms.get(form)
    if await _edit(update, context, current, text, reply_markup, parse_mode):
        forms[form] = [*current[:2], reply_markup is not None]
        return
    sent = await context.bot.send_message(chat_id, text, parse_mode=parse_mode, reply_markup=reply_markup)
    forms[form] = [chat_id, sent.message_id, reply_markup is not None]
    if current and current[:2] != forms[form][:2] and current[2:] != [False]:
        await _strip(context, current)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, form: str, key: str, reply_markup=None,
              **values) -> None:
    """`step` with catalogue text in the user's language."""
    await step(update, context, form, t(key, lang_of(update), **values), reply_markup)


async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE, form: str, text: str, reply_markup=None) -> None:
    """The form's last message (filed, cancelled…) shown as a step would be; the form has no current message after."""
    await step(update, context, form, text, reply_markup)
    context.user_data.get(FORM_MESSAGES, {}).pop(form, None)


async def _edit(update: Update, context, current: list | None, text: str, reply_markup, parse_mode) -> bool:
    """Edit the pressed message into the step when it is the form's current message; False when it cannot be."""
    query = update.callback_query
    pressed = query.message if query else None
    if not isinstance(pressed, Message) or not current or current[:2] != [pressed.chat_id, pressed.message_id]:
        return False
    if pressed.photo or pressed.document or pressed.caption:  # no text to edit
        return False
    latest = getattr(context.bot, "latest", None)
    if latest is not None and latest(pressed.chat_id) not in (None, pressed.message_id):
        return False  # sent after it (a notice, an answer, an error): the step goes below them
    try:
        await context.bot.edit_message_text(text, chat_id=pressed.chat_id, message_id=pressed.message_id,
                                            parse_mode=parse_mode, reply_markup=reply_markup)
    except BadRequest as err:
        if NOT_MODIFIED in str(err).lower():
            return True
        log.info("form step not edited in place (%s): sent anew", err)
        return False
    return True


async def _strip(context, message: list) -> None:
    """Remove the buttons of a form's earlier step (best effort: it may be gone, or have none already)."""
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_reply_markup(chat_id=message[0], message_id=message[1], reply_markup=None)
