"""/checkin (党员回家, clause 5): a party member reports to the branch where they live; the branch decides.

```mermaid
stateDiagram-v2
    [*] --> WORK_UNIT: /checkin
    WORK_UNIT --> PARTY_ORG --> CONTACT --> COMPOUND --> BUILDING --> PHONE --> IN_SERVICE --> FULL --> MOVED
    MOVED --> MOVED_ON: moved
    MOVED --> CONFIRM: did not move
    MOVED_ON --> CONFIRM
    CONFIRM --> WORK_UNIT: 修改… (any field; then back to CONFIRM, via BUILDING / MOVED_ON where they depend on it)
    CONFIRM --> [*]: submitted → the branch gets 确认 / 退回 buttons (a late check-in flagged to both)
    [*] --> REASON: 退回 pressed by the branch
    REASON --> [*]: reason typed → the member is told how to redo it
    [*] --> CONFIRM: /checkin after a check-in was sent back: its answers filled in
```
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from ...needs import filing, pii, places, queries
from ...org.tree import all_compounds, find_compound
from ...party import checkins
from ..common import (
    as_person, ask, cancel_command, conversation, finish, first_missing, keyboard, lang_of, number, parse_day, reply,
    runtime,
)
from ..common import step as show_step
from ..durable import once
from ..sender import notify
from ..pickers import not_a_choice, picker

WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING = "ci.work_unit", "ci.party_org", "ci.contact", "ci.compound", "ci.building"
PHONE, IN_SERVICE, FULL, MOVED, MOVED_ON = "ci.phone", "ci.in_service", "ci.full", "ci.moved", "ci.moved_on"
CONFIRM, REASON = "ci.confirm", "ci.reason"
ORDER = [WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING, PHONE, IN_SERVICE, FULL, MOVED, MOVED_ON, CONFIRM]
FIELDS = {WORK_UNIT: "work_unit", PARTY_ORG: "party_org", CONTACT: "contact", COMPOUND: "compound_id",
          BUILDING: "building_id", PHONE: "phone", IN_SERVICE: "in_service", FULL: "probationary", MOVED: "moved"}
DRAFT, DECIDING = "checkin_draft", "checkin_deciding"
CB = "ci:"
FORM, REASON_FORM = "checkin", "checkin_reason"  # the forms' messages (common.step)
COMPOUND_BUTTONS = 12
EDITABLE = (WORK_UNIT, PARTY_ORG, CONTACT, COMPOUND, BUILDING, PHONE, IN_SERVICE, FULL, MOVED)
# the draft key holding each step's answer (a step whose answer is there may be kept as it is when editing)
ANSWER = {WORK_UNIT: "work_unit", PARTY_ORG: "party_org", CONTACT: "contact", COMPOUND: "compound_id",
          BUILDING: "building_id", PHONE: "phone", IN_SERVICE: "in_service", FULL: "probationary", MOVED: "moved",
          MOVED_ON: "moved_on"}


def _keyboard(pairs) -> InlineKeyboardMarkup | None:
    return keyboard([(label, CB + data) for label, data in pairs]) if pairs else None


def _yes_no(lang: str) -> list[tuple[str, str]]:
    return [(t("needcard.yes", lang), "y:1"), (t("needcard.no", lang), "y:0")]


def _summary_keyboard(lang: str) -> InlineKeyboardMarkup:
    """提交, then a 修改 button per field, two to a row."""
    edits = [InlineKeyboardButton(t("checkinform.edit", lang, field=t(f"checkinform.field.{s[3:]}", lang)),
                                  callback_data=f"{CB}e:{s[3:]}") for s in EDITABLE]
    submit = InlineKeyboardButton(t("needform.submit", lang), callback_data=f"{CB}submit")
    return InlineKeyboardMarkup([[submit]] + [edits[i:i + 2] for i in range(0, len(edits), 2)])


async def _ask(update: Update, context, step: str) -> str:
    """Send the question of `step` (or of an earlier step whose answer the draft lacks) and return it as the
    conversation state."""
    lang = lang_of(update)
    draft = context.user_data[DRAFT]
    step = first_missing(draft, ORDER, FIELDS, step)
    if step == CONFIRM:
        draft["step"], draft["editing"] = step, True  # every field answered: from now on each edit comes back here
        text = t("checkinform.confirm", lang, **_summary_values(draft, lang))
        await show_step(update, context, FORM, text, _summary_keyboard(lang))
        return step
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
    if draft.get("editing") and ANSWER[step] in draft:
        buttons.append((t("checkinform.keep", lang), "keep"))
    draft["step"] = step
    text = t(f"checkinform.{step.split('.')[1]}", lang, **_summary_values(draft, lang))
    await show_step(update, context, FORM, text, picker(context, buttons, lang, prefix=CB))
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


def _next(draft: dict, step: str) -> str:
    """The step after `step`: the building after a compound, the date after a move, else the next question
    (back to the summary when editing)."""
    if step == COMPOUND:
        return BUILDING
    if step == MOVED:
        return MOVED_ON if draft["moved"] else CONFIRM
    return CONFIRM if draft.get("editing") else NEXT[step]


def _prefilled(checkin_id: int, form: checkins.CheckinForm, place: tuple[int, str], building: str | None) -> dict:
    """A draft holding the answers of a check-in that was sent back."""
    draft = {"id": checkin_id, "work_unit": form.work_unit, "party_org": form.work_unit_party_org,
             "contact": form.work_unit_contact, "compound_id": place[0], "compound_path": place[1],
             "building_id": form.building_id, "building_name": building, "phone": form.phone,
             "in_service": form.in_service, "probationary": form.probationary, "moved": form.moved}
    if form.moved_on:
        draft["moved_on"] = form.moved_on.isoformat()
    return draft


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/checkin: start (or resume) the member's check-in; after one was sent back, with its answers filled in."""
    rt = runtime(context)

    def begin(session, person_id):
        view = checkins.start_checkin(session, person_id, rt.clock())
        back = checkins.sent_back(session, person_id)
        return view, back, find_compound(session, back[0].compound_id) if back else None

    found = await as_person(update, context, begin)
    if found is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    view, back, place = found
    if back is None or place is None:
        context.user_data[DRAFT] = {"id": view.id}
        return await _ask(update, context, WORK_UNIT)
    form, earlier = back
    context.user_data[DRAFT] = _prefilled(view.id, form, place, earlier.building_name)
    await reply(update, "checkinform.resume", compound=earlier.compound_name, reason=earlier.reject_reason)
    return await _ask(update, context, CONFIRM)


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
        unit = await as_person(update, context, lambda s, pid: find_compound(s, text, by_id=False))
        if unit is None:
            if not await not_a_choice(update, context, text):
                await reply(update, "checkin.err.compound")
            return await _ask(update, context, step)
        _set_compound(draft, unit)
    elif step == PHONE:
        if not filing.valid_phone(text):
            await reply(update, "checkin.err.phone")
            return await _ask(update, context, step)
        draft["phone"] = text
    elif step == MOVED_ON:
        today = rt.clock().astimezone(rt.policies.party.zone).date()
        moved_on, error = parse_day(text, today, "needform.bad_date")
        if error or (error := checkins.date_error(rt.policies.party, moved_on, today)):
            await reply(update, error)
            return await _ask(update, context, step)
        draft["moved_on"] = moved_on.isoformat()
    else:
        return await _ask(update, context, step)  # a button step: ask again
    return await _ask(update, context, _next(draft, step))


def _set_compound(draft: dict, unit: tuple[int, str]) -> None:
    """A compound chosen: its building is asked again."""
    draft["compound_id"], draft["compound_path"] = unit
    draft.pop("building_id", None)
    draft.pop("building_name", None)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A button of the current question."""
    query = update.callback_query
    await query.answer()
    draft = context.user_data.get(DRAFT)
    if draft is None:
        return ConversationHandler.END
    step, data = draft["step"], query.data[len(CB):]
    kind, _, value = data.partition(":")
    if data == "keep" and draft.get("editing") and ANSWER.get(step) in draft:
        return await _ask(update, context, CONFIRM)
    if step == CONFIRM and kind == "e" and f"ci.{value}" in EDITABLE:
        return await _ask(update, context, f"ci.{value}")
    if step == CONTACT and data == "skip":
        draft["contact"] = None
    elif step == COMPOUND and kind == "c":
        found = await as_person(update, context, lambda s, pid: find_compound(s, value))
        if found is None:
            return await _ask(update, context, step)
        _set_compound(draft, found)
    elif step == BUILDING and kind == "b":
        buildings = dict(await as_person(update, context, lambda s, pid: places.buildings_of(s, draft["compound_id"])))
        building_id = number(value)
        draft["building_id"] = building_id if building_id in buildings else None
        draft["building_name"] = buildings.get(building_id)
    elif step == IN_SERVICE and kind == "y":
        draft["in_service"] = value == "1"
    elif step == FULL and kind == "y":
        draft["probationary"] = value == "0"
    elif step == MOVED and kind == "y":
        draft["moved"] = value == "1"
        if not draft["moved"]:
            draft.pop("moved_on", None)
    elif step == CONFIRM and data == "submit":
        return await _submit(update, context)
    else:  # a button of an older message
        await reply(update, "needform.bad_choice")
        return await _ask(update, context, step)
    return await _ask(update, context, _next(draft, step))


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
        late = view.lateness(rt.policies.party)
        return {"id": view.id, "name": view.person_name, "work_unit": view.work_unit, "compound": view.compound_name,
                "building": view.building_name, "deciders": [asdict(d) for d in deciders],
                "late": {lang: late.text(lang) for lang in ("zh", "en")} if late else None,
                "org": view.work_unit_party_org, "contact": pii.mask(view.work_unit_contact or "")}

    try:  # once per check-in: handled again after a crash, it is not submitted twice
        done = await once(context, f"checkin:{draft['id']}", submit)
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang_of(update)))
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    late = done.get("late")
    lang = lang_of(update)
    told = [t("checkinform.submitted", lang, compound=done["compound"])]
    if late:
        told.append(t("checkinform.late_member", lang, late=late["en" if lang == "en" else "zh"], org=done["org"]))
    await finish(update, context, FORM, "\n".join(told))

    def request(lg: str) -> str:
        lines = [t("checkinform.to_branch", lg, name=done["name"], work_unit=done["work_unit"],
                   compound=done["compound"], building=done["building"] or "—")]
        if late:
            lines.append(t("checkinform.late_branch", lg, late=late["en" if lg == "en" else "zh"], org=done["org"],
                           contact=done["contact"] or "—"))
        return "\n".join(lines)

    await notify(context, "checkin:request", [queries.Recipient(**d) for d in done["deciders"]], request,
                 lambda lg: [[(t("checkinform.btn_confirm", lg), f"{CB}ok:{done['id']}")],
                             [(t("checkinform.btn_reject", lg), f"{CB}no:{done['id']}")]])
    return ConversationHandler.END


async def decide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """确认 at once; 退回 asks for the reason first."""
    query = update.callback_query
    await query.answer()
    action, _, checkin_id = query.data[len(CB):].partition(":")
    if action == "no":
        context.user_data[DECIDING] = number(checkin_id)
        await ask(update, context, REASON_FORM, "checkinform.ask_reason")
        return REASON
    return await _decide(update, context, number(checkin_id), True, None)


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
    await finish(update, context, REASON_FORM, t("checkinform.decided", lang, name=view.person_name, status=status))
    told = "checkinform.member_confirmed" if confirm else "checkinform.member_rejected"
    await notify(context, "checkin:decided", member, lambda lg: t(told, lg, compound=view.compound_name,
                                                                   reason=view.reject_reason,
                                                                   status=t(f"checkin.status.{view.status}", lg)))
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
        fallbacks=[cancel_command(DRAFT, DECIDING, form=FORM)],
        name="checkin",
        allow_reentry=True,
    )
