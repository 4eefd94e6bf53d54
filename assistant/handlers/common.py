"""Helpers every handler module uses: the runtime, the user's language and binding, replies."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from ..messages import t
from ..runtime import Runtime

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
