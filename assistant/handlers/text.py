"""Plain text that is not a command: a resident's need (offer to file it) or a policy question."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from . import need
from .ask import answer


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer to file text that reads like a need; answer everything else from the directive."""
    if await need.offer_from_text(update, context):
        return
    await answer(update, context, update.effective_message.text)


def build_handler() -> MessageHandler:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, plain_text)
