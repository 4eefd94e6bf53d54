"""/start [CODE] registration, /help, /whoami and the global /cancel."""
from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from ...messages import t
from ...org import invites
from ...org.people import shown_name
from .. import menu
from ..common import account_of, lang_of, reply, runtime
REDEEM_MESSAGES = {
    "unknown": "bot.code_unknown",
    "expired": "bot.code_expired",
    "used": "bot.code_used",
    "rate_limited": "bot.code_rate_limited",
    "other_person": "bot.code_other_person",
}


def _roles_text(who, lang: str) -> str:
    return "\n".join(t("bot.role_line", lang, role=t(f"role.{b.role}", lang), unit=b.unit_name) for b in who.roles)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start CODE registers with an invite code; /start alone says hello."""
    rt = runtime(context)
    lang = lang_of(update)
    channel, external_id = account_of(update, context)
    if context.args:
        def redeem():
            with rt.db.session() as session:
                user = update.effective_user
                return invites.redeem(session, rt.settings, context.args[0], channel, external_id,
                                      language_code=user.language_code, display_name=user.full_name)

        result = await asyncio.to_thread(redeem)
        if result.outcome == "ok":
            await reply(update, "bot.registered", name=result.person_name, role=t(f"role.{result.role}", lang),
                        unit=result.unit_name)
            await menu.refresh(update, context)
        else:
            await reply(update, REDEEM_MESSAGES[result.outcome], minutes=rt.settings.invite_failure_window_minutes)
        return
    who = await asyncio.to_thread(_whoami, rt, channel, external_id)
    if who:
        await reply(update, "bot.welcome_back", name=shown_name(who.name, lang), roles=_roles_text(who, lang))
        await menu.refresh(update, context)
    else:
        await reply(update, "bot.welcome")


def _whoami(rt, channel: str, external_id: str):
    with rt.db.session() as session:
        return invites.whoami(session, channel, external_id)


async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/whoami shows the person, roles and units bound to this account."""
    rt = runtime(context)
    who = await asyncio.to_thread(_whoami, rt, *account_of(update, context))
    if not who:
        await reply(update, "bot.not_registered")
        return
    lang = lang_of(update)
    phone = t("bot.phone_part", lang, phone=who.phone) if who.phone else ""
    await reply(update, "bot.whoami", name=shown_name(who.name, lang), phone=phone, roles=_roles_text(who, lang))
    await menu.refresh(update, context)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel when no conversation is running."""
    await reply(update, "bot.nothing_to_cancel")


def command_handlers() -> list:
    return [
        CommandHandler("start", start),
        CommandHandler("help", menu.help_command),
        CommandHandler("whoami", whoami),
    ]


def cancel_handler() -> CommandHandler:
    return CommandHandler("cancel", cancel)
