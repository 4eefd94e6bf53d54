"""/flowin: the community registers a flow-in party member (流入党员, clause 5) into a compound branch's roster.

```mermaid
stateDiagram-v2
    [*] --> NAME: /flowin (community coordinators)
    NAME --> PHONE --> COMPOUND --> BUILDING --> WORK_UNIT --> [*]: registered, in the roster
```
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...errors import DomainError
from ...messages import t
from ...needs import filing, places
from ...org.permissions import can
from ...party import checkins
from ..common import ask, as_person, cancel_command, conversation, fail, finish, lang_of, last_number, reply, runtime
from ..menu import deny
from ..pickers import picker

NAME, PHONE, COMPOUND, BUILDING, WORK_UNIT = "fi.name", "fi.phone", "fi.compound", "fi.building", "fi.work_unit"
DRAFT = "flowin_draft"
CB = "fi:"
TEXT_MAX = 100
FORM = "flowin"  # the form's message (common.step)


def _compounds(session, person_id):
    return [(cid, path) for cid, path in places.compounds_for(session, person_id)
            if can(session, person_id, "register_flow_in", cid)]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/flowin: only a community (or admin) may register flow-in members."""
    compounds = await as_person(update, context, _compounds)
    if not compounds:
        await deny(update, context, "register_flow_in")
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    await ask(update, context, FORM, "flowin.ask_name")
    return NAME


async def type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The member's name."""
    name = update.effective_message.text.strip()
    if not 1 <= len(name) <= TEXT_MAX:
        await reply(update, "checkin.err.too_long")
        return NAME
    context.user_data[DRAFT]["name"] = name
    await ask(update, context, FORM, "checkinform.phone")
    return PHONE


async def type_phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The member's phone; then the compounds of this community."""
    phone = update.effective_message.text.strip()
    if not filing.valid_phone(phone):
        await reply(update, "checkin.err.phone")
        return PHONE
    context.user_data[DRAFT]["phone"] = phone
    compounds = await as_person(update, context, _compounds)
    pairs = [(p, f"{CB}c:{cid}") for cid, p in compounds]
    await ask(update, context, FORM, "checkinform.compound", picker(context, pairs, lang_of(update)))
    return COMPOUND


async def choose_compound(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Compound chosen (one this coordinator may register into); then its buildings."""
    query = update.callback_query
    await query.answer()
    compound_id = last_number(query.data)
    compounds = await as_person(update, context, _compounds)
    if compound_id not in dict(compounds or []):
        pairs = [(p, f"{CB}c:{cid}") for cid, p in compounds or []]
        await ask(update, context, FORM, "bot.denied", picker(context, pairs, lang_of(update)))
        return COMPOUND
    context.user_data[DRAFT]["compound_id"] = compound_id
    buildings = await as_person(update, context, lambda s, pid: places.buildings_of(s, compound_id))
    pairs = [(name, f"{CB}b:{bid}") for bid, name in buildings] + [(reply_label(update), f"{CB}b:0")]
    await ask(update, context, FORM, "checkinform.building", picker(context, pairs, lang_of(update)))
    return BUILDING


def reply_label(update: Update) -> str:
    return t("needform.no_building", lang_of(update))


async def choose_building(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Building chosen (or none); then the work unit."""
    query = update.callback_query
    await query.answer()
    context.user_data[DRAFT]["building_id"] = last_number(query.data) or None
    await ask(update, context, FORM, "checkinform.work_unit")
    return WORK_UNIT


async def type_work_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The work unit; register the member."""
    draft = context.user_data.pop(DRAFT)
    rt = runtime(context)

    def register(session, community_id):
        person_id = checkins.flow_in_person(session, community_id, draft["name"], draft["phone"])
        return checkins.register_flow_in(session, community_id, person_id, draft["compound_id"], draft.get("building_id"),
                                         work_unit=update.effective_message.text.strip()[:TEXT_MAX],
                                         phone=draft["phone"], now=rt.clock())

    try:
        view = await as_person(update, context, register)
    except DomainError as err:
        return await fail(update, err)
    await finish(update, context, FORM, t("flowin.done", lang_of(update), name=view.person_name,
                                          compound=view.compound_name))
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """The /flowin conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("flowin", start)],
        states={NAME: [MessageHandler(text, type_name)], PHONE: [MessageHandler(text, type_phone)],
                COMPOUND: [CallbackQueryHandler(choose_compound, pattern=rf"^{CB}c:\d+$")],
                BUILDING: [CallbackQueryHandler(choose_building, pattern=rf"^{CB}b:\d+$")],
                WORK_UNIT: [MessageHandler(text, type_work_unit)]},
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="flowin",
        allow_reentry=True,  # /flowin typed again mid-form starts it over (as every form but /need does)
    )
