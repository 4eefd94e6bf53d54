"""The command menu, /help and refusals by role: a command is shown only to those whose roles may use it
somewhere, and a refusal says why (no organisation yet, not registered, not your role, not your unit).

Every chat gets the menu of an unregistered user (set at start); a registered user's chat gets its own
(`BotCommandScopeChat`) when they register, and it is refreshed on /start, /help, /whoami and after a refusal,
so a role granted or revoked from the command line shows at the next of these.
"""
from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import Application, ContextTypes

from ..digest.context import PERIOD_ALIASES, PERIODS
from ..messages import t
from ..org import invites, permissions
from .common import account_of, in_session, lang_of, reply, runtime

REPORTS = ("view_reports",)
# command → the actions any one of which shows it (None: everyone, registered or not)
COMMANDS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("start", None), ("help", None), ("ask", None),
    ("need", ("submit_need",)), ("mine", ("submit_need",)), ("todo", ("handle_need",)), ("resource", REPORTS),
    ("checkin", ("submit_need",)), ("checkins", ("view_checkins",)), ("flowin", ("register_flow_in",)),
    ("points", ("submit_need",)), ("case", ("manage_cases",)), ("cases", ("view_cases",)), ("check", REPORTS),
    ("evaluate", ("evaluate_property",)), ("ratings", ("view_reports", "evaluate_property")),
    ("digest", REPORTS), ("export", REPORTS), ("digest_help", REPORTS),
    ("whoami", None), ("invite", ("invite",)), ("people", ("manage_people",)), ("cancel", None),
)
MENU_KEY = "menu"  # chat_data: the commands last set for this chat


def commands_for(actions: frozenset[str]) -> list[str]:
    """The commands whose actions the person may do (in menu order)."""
    return [c for c, needs in COMMANDS if needs is None or actions.intersection(needs)]


def periods_text(lang: str) -> str:
    """Every period /digest accepts: each key with its aliases."""
    aliases = {key: [a for a, k in PERIOD_ALIASES.items() if k == key] for key in PERIODS}
    return t("denied.sep", lang).join(" ".join([key, *aliases[key]]) for key in PERIODS)


def help_text(actions: frozenset[str], lang: str, terminal: bool) -> str:
    """/help for these actions: one line per command the person may use, /need_<id>, /quit in the terminal."""
    lines = [t("help.title", lang)]
    for command in commands_for(actions):
        lines.append(t(f"help.{command}", lang, periods=periods_text(lang)))
        if command == "mine" or (command == "todo" and "mine" not in commands_for(actions)):
            lines.append(t("help.need_card", lang))
    if terminal:
        lines.append(t("help.quit", lang))
    return "\n".join(lines)


async def actions_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> frozenset[str]:
    """What the sender may do somewhere."""
    channel, external_id = account_of(update, context)
    return await in_session(context, lambda s: permissions.actions_of(s, invites.person_id_of(s, channel, external_id)),
                            read_only=True)


async def refresh(update: Update, context: ContextTypes.DEFAULT_TYPE, actions: frozenset[str] | None = None) -> None:
    """Set this chat's menu to the sender's commands when it changed."""
    if actions is None:
        actions = await actions_of(update, context)
    lang = lang_of(update)
    commands = commands_for(actions)
    if context.chat_data is None or context.chat_data.get(MENU_KEY) == [lang, *commands]:
        return
    await context.bot.set_my_commands([BotCommand(c, t(f"bot.commands.{c}", lang)) for c in commands],
                                      scope=BotCommandScopeChat(update.effective_chat.id))
    context.chat_data[MENU_KEY] = [lang, *commands]


async def deny(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> None:
    """Refuse `action` saying why: no organisation yet, not registered, not your role, or not your unit."""
    channel, external_id = account_of(update, context)
    lang = lang_of(update)

    def why(session):
        who = invites.whoami(session, channel, external_id)
        return permissions.why_not(session, who and who.person_id, action), who.roles if who else []

    reason, roles = await in_session(context, why, read_only=True)
    sep = t("denied.sep", lang)
    if reason == "not_registered":
        key, values = "bot.not_registered", {}
    elif not roles:
        key, values = ("denied.no_org" if reason == "no_org" else "denied.no_roles"), {}
    elif reason == "role":
        key, values = "denied.role", {"roles": sep.join(sorted({t(f"role.{r.role}", lang) for r in roles}))}
    else:
        key, values = "denied.unit", {"units": sep.join(dict.fromkeys(r.unit_name for r in roles))}
    await reply(update, key, **values)
    await refresh(update, context)  # roles may have changed since the menu was set


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help lists the commands this user may use."""
    actions = await actions_of(update, context)
    await update.effective_message.reply_text(
        help_text(actions, lang_of(update), runtime(context).channel == "terminal"))
    await refresh(update, context, actions)


async def set_default(application: Application) -> None:
    """Every chat's menu until its user registers: the commands open to anyone, in Chinese and English."""
    commands = commands_for(frozenset())
    for lang, code in (("zh", None), ("en", "en")):
        await application.bot.set_my_commands([BotCommand(c, t(f"bot.commands.{c}", lang)) for c in commands],
                                              language_code=code)
