"""The application's error handler: log the exception (no personal data) and tell the user, in their
language, that it failed."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..messages import t
from .common import lang_of

log = logging.getLogger("assistant.handlers")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Registered with Application.add_error_handler: one log record with the traceback, one reply."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return  # a job or polling error: nobody to tell
    try:
        await context.bot.send_message(update.effective_chat.id, t("bot.error", lang_of(update)))
    except TelegramError as err:
        log.warning("could not tell update %s's sender about the failure: %s", update_id, type(err).__name__)
