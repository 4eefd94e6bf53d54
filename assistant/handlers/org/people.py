"""/people for coordinators, within their own subtree: list, show a person, revoke a role.

    /people                          the people bound in my units (phones masked unless I am an admin)
    /people all                      also the people without a role (an admin's: everyone; a coordinator's:
                                     the same as /people, people without a role are in nobody's units)
    /people show REF                 one person's card (REF: id, phone or name; shared → the candidates)
    /people revoke REF ROLE [UNIT]   take a role away (only roles of my rank or below, in my units)
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from ...errors import DomainError
from ...org import directory
from ...org.people import AmbiguousPerson
from ...messages import t
from ..common import as_person, lang_of

EVERYONE = ("all", "全部")
MAX_LINES = 40  # one chat message stays well under Telegram's 4,096 characters


def _answer(session, person_id: int | None, args: list[str], lang: str) -> str:
    """The reply text for /people with these arguments."""
    if person_id is None:
        return t("bot.denied", lang)
    verb = args[0].lower() if args else ""
    try:
        if not args or verb in EVERYONE and len(args) == 1:
            listed = directory.list_people(session, person_id, everyone=bool(args))
            return directory.listing_text(listed, lang, MAX_LINES)
        if verb == "revoke" and len(args) in (3, 4):
            name, removed = directory.revoke_by_ref(session, person_id, *args[1:])
            return t("people.revoked", lang, name=name, role=t(f"role.{removed.role}", lang), unit=removed.unit_path)
        if verb == "show" and len(args) == 2 or verb not in ("show", "revoke") and len(args) == 1:
            return directory.card_text(directory.resolve(session, person_id, args[-1]), lang)
    except AmbiguousPerson as error:
        return directory.ambiguous_text(session, person_id, error, lang)
    except DomainError as error:
        return error.message(lang)
    return t("people.usage", lang)


async def people(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/people [show REF | revoke REF ROLE [UNIT]]: the people in my units."""
    lang = lang_of(update)
    args = list(context.args or [])
    text = await as_person(update, context, lambda s, pid: _answer(s, pid, args, lang), registered_only=False)
    await update.effective_message.reply_text(text)


def build_handler() -> CommandHandler:
    return CommandHandler("people", people)
