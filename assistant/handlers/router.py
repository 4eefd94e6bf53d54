"""Plain text that is not a command: a resident's need (offer to file it) or a policy question; a command
nothing else took: say so and point to /help."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from .needs import need
from .ask import answer
from .assist import intent_of
from ..textlimits import preview
from .common import reply, runtime


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer to file text that reads like a need; answer everything else from the directive.

    With an LLM configured its intent decides (a need, a question, a check-in); without one, or when it
    fails or says "other", the intake rules do."""
    intent = await intent_of(update, context)
    if intent == "new_need":
        await need.offer(update, context)
        return
    if intent == "checkin":
        await reply(update, "llm.checkin_hint")
        return
    if intent != "policy_question" and await need.offer_from_text(update, context):
        return
    await answer(update, context, update.effective_message.text)


def build_handler() -> MessageHandler:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, plain_text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler knows (a typo, another bot's): say so and point to /help."""
    message = update.effective_message
    command = ((message.text or "").split() or ["/"])[0]
    await reply(update, "bot.unknown_command", command=preview(command, runtime(context).settings.preview_chars))


def unknown_command_handler() -> MessageHandler:
    """Registered after every command handler of its group (app.py)."""
    return MessageHandler(filters.TEXT & filters.COMMAND, unknown_command)
