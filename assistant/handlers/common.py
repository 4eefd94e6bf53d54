"""Helpers every handler module uses: the runtime, the user's language and binding, replies."""
from __future__ import annotations

import asyncio
import re
import warnings
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ContextTypes, ConversationHandler
from telegram.warnings import PTBUserWarning

from ..errors import MAX_ID, DomainError, Unreadable
from ..messages import t
from ..runtime import Runtime
from ..org import invites

RUNTIME = "runtime"


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.bot_data[RUNTIME]


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


def cancel_command(*draft_keys: str) -> CommandHandler:
    """/cancel inside a conversation: forget its draft and end it."""

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        for key in draft_keys:
            context.user_data.pop(key, None)
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
