"""Updates no conversation can answer: a channel post, or anything else without a sender, and a message holding a
NUL character (one log line, one short reply in the chat when there is one, and no handler after this one runs);
a button no handler takes (a forged or outdated one: answered as stale by the error handler)."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, ContextTypes, TypeHandler

from ..errors import Unreadable
from ..messages import t
from .common import lang_of

log = logging.getLogger("assistant.handlers")


async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let updates with a sender through; answer the others (channel posts) and stop them. A message holding a NUL
    character (no client types one; PostgreSQL cannot store it) is answered and stopped too."""
    message = update.effective_message
    if update.effective_user is not None:
        if message is not None and "\x00" in (message.text or message.caption or ""):
            log.info("update %s holds a NUL character: not handled", update.update_id)
            await message.reply_text(t("bot.nul_text", lang_of(update)))
            raise ApplicationHandlerStop
        return
    log.info("update %s has no sender (%s): not handled", update.update_id,
             "channel post" if update.channel_post or update.edited_channel_post else "other")
    if message is not None and update.channel_post is not None:
        await message.reply_text(t("bot.private_only", None))
    raise ApplicationHandlerStop


def build_handler() -> TypeHandler:
    """Registered in the first group (app.py)."""
    return TypeHandler(Update, screen)


async def no_taker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button that no handler before this one matched."""
    raise Unreadable()


def stale_button_handler() -> CallbackQueryHandler:
    """Registered last in the handlers' group (app.py)."""
    return CallbackQueryHandler(no_taker, pattern="")  # matches any data
