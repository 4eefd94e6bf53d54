"""Helpers every handler module uses: the runtime, the user's language and binding, replies."""
from __future__ import annotations

import asyncio
import warnings

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, ConversationHandler
from telegram.warnings import PTBUserWarning

from ..messages import t
from ..runtime import Runtime
from ..services import invites

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


def in_session(context: ContextTypes.DEFAULT_TYPE, fn):
    """Awaitable of fn(session), run in a worker thread inside a committed-or-rolled-back session."""
    rt = runtime(context)

    def work():
        with rt.db.session() as session:
            return fn(session)

    return asyncio.to_thread(work)


async def as_person(update: Update, context: ContextTypes.DEFAULT_TYPE, fn, *, registered_only: bool = True):
    """fn(session, person_id) for the sender, in a worker thread.

    Unregistered senders get None back without fn being called, unless registered_only is False
    (then fn sees person_id None).
    """
    channel, external_id = account_of(update, context)

    def call(session):
        account = invites.account_of(session, channel, external_id)
        if account is None and registered_only:
            return None
        return fn(session, account.person_id if account else None)

    return await in_session(context, call)


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
