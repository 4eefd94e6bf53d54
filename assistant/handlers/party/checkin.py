"""/checkin (党员回家, clause 5): a party member reports to the branch where they live; the branch decides.

```mermaid
stateDiagram-v2
    [*] --> WORK_UNIT: /checkin
    WORK_UNIT --> PARTY_ORG --> CONTACT --> COMPOUND --> BUILDING --> PHONE --> IN_SERVICE --> FULL --> MOVED
    MOVED --> MOVED_ON: moved
    MOVED --> CONFIRM: did not move
    MOVED_ON --> CONFIRM
    CONFIRM --> [*]: submitted → the branch gets 确认 / 退回 buttons
    [*] --> REASON: 退回 pressed by the branch
    REASON --> [*]: reason typed → the member is told
```
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from telegram import InlineKeyboardMarkup, Update
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
from ...needs import filing, places, queries
from ...org.tree import all_compounds, find_compound
from ...party import checkins
from ..common import (
    as_person, cancel_command, conversation, first_missing, keyboard, lang_of, parse_day, reply, runtime,
)
from ..durable import once
from ..notify import send_to

WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING = "ci.work_unit", "ci.party_org", "ci.contact", "ci.compound", "ci.building"
PHONE, IN_SERVICE, FULL, MOVED, MOVED_ON = "ci.phone", "ci.in_service", "ci.full", "ci.moved", "ci.moved_on"
CONFIRM, REASON = "ci.confirm", "ci.reason"
ORDER = [WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING, PHONE, IN_SERVICE, FULL, MOVED, MOVED_ON, CONFIRM]
FIELDS = {WORK_UNIT: "work_unit", PARTY_ORG: "party_org", CONTACT: "contact", COMPOUND: "compound_id",
          BUILDING: "building_id", PHONE: "phone", IN_SERVICE: "in_service", FULL: "probationary", MOVED: "moved"}
DRAFT, DECIDING = "checkin_draft", "checkin_deciding"
CB = "ci:"
COMPOUND_BUTTONS = 12


def _keyboard(pairs) -> InlineKeyboardMarkup | None:
    return keyboard([(label, CB + data) for label, data in pairs]) if pairs else None


def _yes_no(lang: str) -> list[tuple[str, str]]:
    return [(t("needcard.yes", lang), "y:1"), (t("needcard.no", lang), "y:0")]


async def _ask(update: Update, context, step: str) -> str:
    """Send the question of `step` (or of an earlier step whose answer the draft lacks) and return it as the
    conversation state."""
    lang = lang_of(update)
    draft = context.user_data[DRAFT]
    step = first_missing(draft, ORDER, FIELDS, step)
    buttons: list[tuple[str, str]] = []
    if step == CONTACT:
        buttons = [(t("needform.skip", lang), "skip")]
    elif step == COMPOUND:
        units = await as_person(update, context, lambda s, pid: all_compounds(s))
        buttons = [(path, f"c:{cid}") for cid, path in units[:COMPOUND_BUTTONS]]
    elif step == BUILDING:
        units = await as_person(update, context, lambda s, pid: places.buildings_of(s, draft["compound_id"]))
        buttons = [(name, f"b:{bid}") for bid, name in units] + [(t("needform.no_building", lang), "b:0")]
    elif step in (IN_SERVICE, FULL, MOVED):
        buttons = _yes_no(lang)
    elif step == CONFIRM:
        buttons = [(t("needform.submit", lang), "submit")]
    draft["step"] = step
    text = t(f"checkinform.{step.split('.')[1]}", lang, **_summary_values(draft, lang))
    await update.effective_message.reply_text(text, reply_markup=_keyboard(buttons))
    return step


def _summary_values(draft: dict, lang: str) -> dict:
    yes, no = t("needcard.yes", lang), t("needcard.no", lang)
    return {"work_unit": draft.get("work_unit", ""), "party_org": draft.get("party_org", ""),
            "contact": draft.get("contact") or "—", "compound": draft.get("compound_path", ""),
            "building": draft.get("building_name") or "—", "phone": draft.get("phone", ""),
            "in_service": yes if draft.get("in_service", True) else no,
            "full": no if draft.get("probationary") else yes,
            "moved": draft.get("moved_on") or (yes if draft.get("moved") else no)}


NEXT = {WORK_UNIT: PARTY_ORG, PARTY_ORG: CONTACT, CONTACT: COMPOUND, COMPOUND: BUILDING, BUILDING: PHONE,
        PHONE: IN_SERVICE, IN_SERVICE: FULL, FULL: MOVED, MOVED_ON: CONFIRM}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/checkin: start (or resume) the member's check-in."""
    rt = runtime(context)
    view = await as_person(update, context, lambda s, pid: checkins.start_checkin(s, pid, rt.clock()))
    if view is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": view.id}
    return await _ask(update, context, WORK_UNIT)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A typed answer, checked before the next question."""
    draft = context.user_data.get(DRAFT)
    if draft is None:
        return ConversationHandler.END
    step, text = draft["step"], update.effective_message.text.strip()
    rt = runtime(context)
    if step in (WORK_UNIT, PARTY_ORG, CONTACT):
        if key := checkins.text_error(text):
            await reply(update, key)
            return await _ask(update, context, step)
        draft[{WORK_UNIT: "work_unit", PARTY_ORG: "party_org", CONTACT: "contact"}[step]] = text
    elif step == COMPOUND:
        unit = await as_person(update, context, lambda s, pid: find_compound(s, text))
        if unit is None:
            await reply(update, "checkin.err.compound")
            return await _ask(update, context, step)
        draft["compound_id"], draft["compound_path"] = unit
    elif step == PHONE:
        if not filing.valid_phone(text):
            await reply(update, "checkin.err.phone")
            return await _ask(update, context, step)
        draft["phone"] = text
    elif step == MOVED_ON:
        today = rt.clock().astimezone(rt.policies.party.zone).date()
        moved_on = parse_day(text, today)
        error = "needform.bad_date" if moved_on is None else checkins.date_error(rt.policies.party, moved_on, today)
        if error:
            await reply(update, error)
            return await _ask(update, context, step)
        draft["moved_on"] = moved_on.isoformat()
    else:
        return await _ask(update, context, step)  # a button step: ask again
    return await _ask(update, context, NEXT[step])


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A button of the current question."""
    query = update.callback_query
    await query.answer()
    draft = context.user_data.get(DRAFT)
    if draft is None:
        return ConversationHandler.END
    step, data = draft["step"], query.data[len(CB):]
    kind, _, value = data.partition(":")
    if step == CONTACT and data == "skip":
        draft["contact"] = None
    elif step == COMPOUND and kind == "c":
        found = await as_person(update, context, lambda s, pid: find_compound(s, value))
        if found is None:
            return await _ask(update, context, step)
        draft["compound_id"], draft["compound_path"] = found
    elif step == BUILDING and kind == "b":
        buildings = dict(await as_person(update, context, lambda s, pid: places.buildings_of(s, draft["compound_id"])))
        draft["building_id"] = int(value) if int(value) in buildings else None
        draft["building_name"] = buildings.get(int(value))
    elif step == IN_SERVICE and kind == "y":
        draft["in_service"] = value == "1"
    elif step == FULL and kind == "y":
        draft["probationary"] = value == "0"
    elif step == MOVED and kind == "y":
        draft["moved"] = value == "1"
        return await _ask(update, context, MOVED_ON if draft["moved"] else CONFIRM)
    elif step == CONFIRM and data == "submit":
        return await _submit(update, context)
    else:  # a button of an older message
        await reply(update, "needform.bad_choice")
        return await _ask(update, context, step)
    return await _ask(update, context, NEXT[step])


async def _submit(update: Update, context) -> str | int:
    draft = context.user_data[DRAFT]
    if first_missing(draft, ORDER, FIELDS, CONFIRM) != CONFIRM:
        return await _ask(update, context, CONFIRM)  # asks the missing step instead
    rt = runtime(context)
    form = checkins.CheckinForm(
        work_unit=draft["work_unit"], work_unit_party_org=draft["party_org"], compound_id=draft["compound_id"],
        phone=draft["phone"], building_id=draft.get("building_id"), work_unit_contact=draft.get("contact"),
        moved=bool(draft.get("moved")), moved_on=date.fromisoformat(draft["moved_on"]) if draft.get("moved_on") else None,
        in_service=draft.get("in_service", True), probationary=bool(draft.get("probationary")))

    def submit(session):
        view = checkins.submit_checkin(session, rt.policies.party, draft["id"], form, rt.clock())
        deciders = queries.accounts_for(session, checkins.decider_ids(session, view.compound_id))
        return {"id": view.id, "name": view.person_name, "work_unit": view.work_unit, "compound": view.compound_name,
                "building": view.building_name, "deciders": [asdict(d) for d in deciders]}

    try:  # once per check-in: handled again after a crash, it is not submitted twice
        done = await once(context, f"checkin:{draft['id']}", submit)
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang_of(update)))
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    await reply(update, "checkinform.submitted", compound=done["compound"])
    await send_to(context, [queries.Recipient(**d) for d in done["deciders"]],
                  lambda lang: t("checkinform.to_branch", lang, name=done["name"], work_unit=done["work_unit"],
                                 compound=done["compound"], building=done["building"] or "—"),
                  lambda lang: _keyboard([(t("checkinform.btn_confirm", lang), f"ok:{done['id']}"),
                                          (t("checkinform.btn_reject", lang), f"no:{done['id']}")]))
    return ConversationHandler.END


async def decide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """确认 at once; 退回 asks for the reason first."""
    query = update.callback_query
    await query.answer()
    action, _, checkin_id = query.data[len(CB):].partition(":")
    if action == "no":
        context.user_data[DECIDING] = int(checkin_id)
        await reply(update, "checkinform.ask_reason")
        return REASON
    return await _decide(update, context, int(checkin_id), True, None)


async def reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reason for sending a check-in back."""
    checkin_id = context.user_data.pop(DECIDING, None)
    if checkin_id is None:
        return ConversationHandler.END
    return await _decide(update, context, checkin_id, False, update.effective_message.text.strip())


async def _decide(update: Update, context, checkin_id: int, confirm: bool, why: str | None) -> int:
    rt = runtime(context)
    lang = lang_of(update)

    def run(session, person_id):
        view = checkins.decide(session, checkin_id, person_id, confirm, why, rt.clock())
        return view, queries.accounts_for(session, [view.person_id])

    try:
        result = await as_person(update, context, run)
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    if result is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    view, member = result
    status = t(f"checkin.status.{view.status}", lang)
    await reply(update, "checkinform.decided", name=view.person_name, status=status)
    await send_to(context, member, lambda lg: t("checkinform.member_told", lg, compound=view.compound_name,
                                                status=t(f"checkin.status.{view.status}", lg), reason=why or "—"))
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """The /checkin conversation and the branch's decision."""
    text = filters.TEXT & ~filters.COMMAND
    form = [CallbackQueryHandler(on_button, pattern=rf"^{CB}(?!ok:|no:)"), MessageHandler(text, on_text)]
    return conversation(
        entry_points=[CommandHandler("checkin", start), CallbackQueryHandler(decide, pattern=rf"^{CB}(ok|no):\d+$")],
        states={**{s: form for s in (WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING, PHONE, IN_SERVICE, FULL,
                                     MOVED, MOVED_ON, CONFIRM)},
                REASON: [MessageHandler(text, reason)]},
        fallbacks=[cancel_command(DRAFT, DECIDING)],
        name="checkin",
        allow_reentry=True,
    )
