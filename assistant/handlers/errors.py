"""The application's error handler: log the exception (no personal data) and tell the user, in their
language, why it failed — a refusal (DomainError: a stale button, a need that is not there) with its own
message, anything else with the generic one."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ..errors import DomainError
from ..messages import t
from .common import lang_of

log = logging.getLogger("assistant.handlers")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Registered with Application.add_error_handler: one log record, one reply (a callback query is answered
    with the text; when that is no longer possible, it is sent to the chat). A refused update goes no further
    (no handler of a later group sees it)."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, DomainError):  # its key only: the values may hold what the user typed
        log.warning("update %s refused: %s %s", update_id, type(error).__name__, error.key)
        text = error.message(lang_of(update)) if isinstance(update, Update) else None
    else:
        log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
        text = t("bot.error", lang_of(update)) if isinstance(update, Update) else None
    if text is None or update.effective_chat is None:
        return  # a job or polling error: nobody to tell
    try:
        if update.callback_query is not None and isinstance(error, DomainError):
            try:
                await update.callback_query.answer(text)
                return
            except TelegramError:  # already answered by the handler: say it in the chat instead
                pass
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as err:
        log.warning("could not tell update %s's sender about the failure: %s", update_id, type(err).__name__)
    finally:
        if isinstance(error, DomainError):
            raise ApplicationHandlerStop
