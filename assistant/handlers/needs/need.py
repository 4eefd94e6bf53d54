"""/need: file a resident's need in a few taps, fields prefilled from free text and confirmed.

```mermaid
stateDiagram-v2
    [*] --> COMPOUND: /need or "登记为需求" on free text
    COMPOUND --> BUILDING
    BUILDING --> CATEGORY
    CATEGORY --> DESCRIPTION
    DESCRIPTION --> URGENCY
    URGENCY --> CONSENT
    CONSENT --> NAME: resident agrees
    CONSENT --> PHOTO: no resident details
    NAME --> PHONE
    PHONE --> PHOTO
    PHOTO --> CONFIRM
    CONFIRM --> DUPLICATE: similar open need
    CONFIRM --> [*]: submitted → ticket
    DUPLICATE --> [*]: joined or filed anew
    CONFIRM --> COMPOUND: edit a field (any step)
    CONFIRM --> ENTRANCE: 修改：单元 (prefilled from the text)
```
Every step has a 返回 (back) button, /cancel ends the form, and a policy question typed at a step is
answered before the step is asked again; other text at a button step is told which buttons to press. An
emergency category gives the policy's emergency numbers first.
"""
from __future__ import annotations

from uuid import uuid4

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...errors import NotAllowed
from ...messages import t
from ...needs import filing, places
from ...needs import freetext as intake
from ..ask import OFFER_DATA, OFFERED_NEEDS, answer
from ..assist import prefill as llm_prefill
from ..common import (
    as_person, cancel_command, conversation, finish, first_missing, for_channel, in_session, keep_for_message,
    kept_for_message, lang_of, last_number, reply, runtime,
)
from ..common import step as show_step
from ..durable import once
from ..menu import deny
from ..notify import notify_need
from ..pickers import picker
from . import need_steps as steps

DRAFT = "need_draft"
CB = "nf:"
FORM = "need"  # the form's message (common.step)
FINAL = {"submit": steps.CONFIRM, "edit": steps.CONFIRM, "join": steps.DUPLICATE, "new": steps.DUPLICATE}


def _policy(context):
    return runtime(context).policies.needs


async def _ask_step(update: Update, context, step: str | None, apply=None) -> str:
    """Apply a value (if `apply` is given) and send the prompt of the resulting step, in one database session.

    `apply(session) -> error key | None`; on success the form moves to the step after the current one,
    on error the message is shown and the current step is asked again. `step` jumps to a step directly.
    Returns the step, which is the conversation state.
    """
    draft = context.user_data[DRAFT]
    lang = lang_of(update)
    policy = _policy(context)

    def work(session):
        error = apply(session) if apply else None
        if step is not None:
            draft["step"] = step
        elif not error:
            draft["history"].append(draft["step"])
            draft["step"] = steps.after(draft, draft["step"])
        wanted, draft["step"] = draft["step"], first_missing(draft, steps.ORDER, steps.FIELDS, draft["step"])
        if draft["step"] != wanted:  # a field went missing: ask it, then back to the summary
            draft["editing"] = True
        rt = runtime(context)
        return error, steps.prompt(session, policy, draft, draft["step"], lang, rt.settings.preview_chars, rt.channel)

    error, (text, buttons) = await in_session(context, work)
    if error:
        await reply(update, error)
    back = [(t("needform.back", lang), "back")] if draft["step"] != steps.ORDER[0] or draft.get("history") else []
    await show_step(update, context, FORM, text, picker(context, buttons, lang, back, prefix=CB))
    return draft["step"]


async def start_need(update: Update, context: ContextTypes.DEFAULT_TYPE, from_offer: bool = False) -> str | int:
    """/need (or the offer on free text): start the form, prefilled from the text when there is one."""
    person_id = await as_person(update, context, lambda session, pid: pid)
    if person_id is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    if from_offer:  # the text of the message whose button was pressed (an older offer files its own text)
        text = kept_for_message(context, OFFERED_NEEDS, update.callback_query.message) or ""
    else:
        text = " ".join(context.args) if context.args else ""
    draft = {"person_id": person_id, "history": [], "text": text, "key": uuid4().hex}  # key: filed once
    context.user_data[DRAFT] = draft
    compounds = await in_session(context, lambda s: places.compounds_for(s, person_id))
    if not compounds:
        await deny(update, context, "submit_need")
        return ConversationHandler.END
    found = intake.prefill(text, _policy(context)) if text else intake.Prefill()
    found = await llm_prefill(context, person_id, text, found)  # an LLM's validated fields, when configured
    draft["prefill"] = {"building_no": found.building_no, "category": found.category, "urgent": found.urgent,
                        "phone": found.phone, "compound_id": await in_session(
                            context, lambda s: places.compound_named(s, person_id, text)) if text else None}
    if found.unit_no:
        draft["entrance"] = found.unit_no
    draft["emergency_told"] = from_offer  # the offer gave the numbers already
    await _tell_emergency(update, context, found.category)
    if len(compounds) == 1:
        draft["compound_id"] = compounds[0][0]
        return await _ask_step(update, context, steps.after(draft, steps.COMPOUND))
    return await _ask_step(update, context, steps.COMPOUND)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A button of the current step."""
    query = update.callback_query
    await query.answer()
    draft = context.user_data.get(DRAFT)
    if draft is None:
        await reply(update, "needform.expired")
        return ConversationHandler.END
    data = query.data[len(CB):]
    if data == "back":
        previous = draft["history"].pop() if draft["history"] else draft["step"]
        return await _ask_step(update, context, previous)
    action = data.split(":", 1)[0]
    if action in FINAL and FINAL[action] != draft["step"]:  # a button of an older message
        return await _ask_step(update, context, None, lambda s: "needform.bad_choice")
    if data == "submit":
        return await _submit(update, context)
    if data.startswith("edit:"):
        draft["editing"] = True
        return await _ask_step(update, context, data[5:])
    if data.startswith("join:") or data == "new":
        return await _finish_duplicate(update, context, data)
    if data.startswith("k:") and draft["step"] == steps.CATEGORY:
        await _tell_emergency(update, context, data[2:])
    return await _ask_step(update, context, None, lambda s: steps.apply_button(s, _policy(context), draft, data))


async def _tell_emergency(update: Update, context, category: str | None, always: bool = False) -> None:
    """An emergency category: the numbers to call first, once per form (and again when it is filed)."""
    draft = context.user_data.get(DRAFT) or {}
    if _policy(context).is_emergency(category) and (always or not draft.get("emergency_told")):
        draft["emergency_told"] = True
        await update.effective_message.reply_text(steps.emergency_notice(_policy(context), lang_of(update)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Typed text: the value of a text step, "back", or a question answered before the step is asked again."""
    draft = context.user_data.get(DRAFT)
    if draft is None:  # the form's data is gone (e.g. cleared by an admin): start again
        await reply(update, "needform.expired")
        return ConversationHandler.END
    text = update.effective_message.text.strip()
    if text.lower() in steps.BACK_WORDS:
        previous = draft["history"].pop() if draft["history"] else draft["step"]
        return await _ask_step(update, context, previous)
    if steps.is_question(text) or (draft["step"] not in steps.TEXT_STEPS and intake.reads_like_question(
            text, _policy(context), runtime(context).policies.intake)):
        await answer(update, context, text)
        return await _ask_step(update, context, draft["step"])
    if draft["step"] not in steps.TEXT_STEPS:  # a button step: say what to do, then ask it again
        return await _hint(update, context, draft["step"])
    return await _ask_step(update, context, None, lambda s: steps.apply_text(s, _policy(context), draft, text))


async def _hint(update: Update, context, step: str) -> str:
    """Say what the step takes (words, a photo, a button press), then ask it again."""
    await reply(update, for_channel(context, steps.HINTS.get(step, "needform.press_buttons")))
    return await _ask_step(update, context, step)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A photo (or an image file) at the photo step; at the description step with a caption it is the
    description and the photo; anything else (a sticker, a photo without caption) is told what the step wants."""
    draft = context.user_data.get(DRAFT)
    if draft is None:
        await reply(update, "needform.expired")
        return ConversationHandler.END
    message = update.effective_message
    file_id = message.photo[-1].file_id if message.photo else message.document.file_id if message.document else None
    caption = (message.caption or "").strip()
    if file_id and draft["step"] == steps.PHOTO:
        draft["photo_file_id"] = file_id
        return await _ask_step(update, context, None, lambda s: None)
    if file_id and caption and draft["step"] == steps.DESCRIPTION:
        def describe(session):
            error = steps.apply_text(session, _policy(context), draft, caption)
            if not error:
                draft["photo_file_id"] = file_id
            return error
        return await _ask_step(update, context, None, describe)
    return await _hint(update, context, draft["step"])


async def _submit(update: Update, context) -> str | int:
    draft = context.user_data[DRAFT]
    if first_missing(draft, steps.ORDER, steps.FIELDS, steps.CONFIRM) != steps.CONFIRM:
        return await _ask_step(update, context, steps.CONFIRM)  # asks the missing field instead
    policy = _policy(context)
    existing = []

    def file_unless_similar(session):
        existing.extend(filing.find_duplicates(session, policy, draft["compound_id"], draft["category"],
                                               draft["description"], building_id=draft.get("building_id")))
        return None if existing else _filed(filing.file_need(session, policy, draft["person_id"],
                                                             steps.to_need_draft(draft)))

    done = await _once(context, file_unless_similar)
    if done is None:  # similar open needs: join one or file anew
        draft["step"] = steps.DUPLICATE
        lang = lang_of(update)
        rows = [[InlineKeyboardButton(t("needform.join", lang, ticket=n.ticket), callback_data=f"{CB}join:{n.id}")]
                for n in existing[:3]]
        rows.append([InlineKeyboardButton(t("needform.file_new", lang), callback_data=CB + "new")])
        hours = f"{runtime(context).policies.needs.duplicate_window_hours:g}"
        lines = [t("needform.duplicate", lang, hours=hours)] + [f"• {n.ticket} {n.description[:40]}" for n in existing[:3]]
        await show_step(update, context, FORM, "\n".join(lines), InlineKeyboardMarkup(rows))
        return steps.DUPLICATE
    return await _announce(update, context, done)


async def _finish_duplicate(update: Update, context, data: str) -> int:
    draft = context.user_data[DRAFT]
    if data == "new":
        done = await _once(context, lambda s: _filed(filing.file_need(
            s, _policy(context), draft["person_id"], steps.to_need_draft(draft))))
    else:
        need_id = last_number(data)
        done = await _once(context, lambda s: _filed(filing.join_need(
            s, need_id, draft["person_id"], draft["description"], policy=_policy(context)), joined=True))
    return await _announce(update, context, done)


def _filed(view, joined: bool = False) -> dict:
    return {"id": view.id, "ticket": view.ticket, "joined": joined}


async def _once(context, fn) -> dict | None:
    """fn(session) at most once per form (durable.once); a form the services refuse ends with "denied"."""
    draft = context.user_data[DRAFT]
    try:
        return await once(context, "need:" + draft.setdefault("key", uuid4().hex), fn)
    except NotAllowed:
        return {"denied": True}


async def _announce(update: Update, context, done: dict) -> int:
    """The form is filed (or joined to a similar need, or refused): tell the user and those concerned."""
    draft = context.user_data.pop(DRAFT, None) or {}
    if done.get("denied"):
        await deny(update, context, "submit_need")
    elif done["joined"]:
        await finish(update, context, FORM, t("needform.joined", lang_of(update), ticket=done["ticket"]))
        await notify_need(context, done["id"], "joined", actor_id=draft.get("person_id"), note=draft.get("description"))
    else:
        await _tell_emergency(update, context, draft.get("category"), always=True)
        await finish(update, context, FORM, t("needform.filed", lang_of(update), ticket=done["ticket"]))
        await notify_need(context, done["id"], "filed", actor_id=draft.get("person_id"))
    return ConversationHandler.END


async def offer_from_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Free text that reads like a need: offer to file it (returns False to let Q&A answer instead)."""
    if not intake.looks_like_need(update.effective_message.text, _policy(context),
                                runtime(context).policies.intake):
        return False
    await offer(update, context)
    return True


async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer to file the message as a need, or to answer it as a policy question."""
    text = update.effective_message.text
    lang = lang_of(update)
    await _tell_emergency(update, context, intake.prefill(text, _policy(context)).category, always=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t("needform.offer_yes", lang), callback_data=OFFER_DATA)],
                                   [InlineKeyboardButton(t("needform.offer_ask", lang), callback_data=CB + "asq")]])
    sent = await update.effective_message.reply_text(t("needform.offer", lang), reply_markup=markup)
    keep_for_message(context, OFFERED_NEEDS, sent, text)


async def answer_offer_as_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"按政策问题回答" on the offer."""
    await update.callback_query.answer()
    text = kept_for_message(context, OFFERED_NEEDS, update.callback_query.message)
    if text:
        await answer(update, context, text)


async def form_still_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/need typed while the need form is open: the form is not started over (a stray command must not drop a
    half-filled need); the step stays and the user is told how to go on or start again."""
    await reply(update, "needform.still_open")


def build_handler() -> ConversationHandler:
    """The /need conversation."""
    state = [CallbackQueryHandler(on_button, pattern=f"^{CB}"),
             MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
             MessageHandler(filters.PHOTO | filters.Document.IMAGE | filters.Sticker.ALL, on_media)]
    return conversation(
        entry_points=[CommandHandler("need", start_need),
                      CallbackQueryHandler(start_need_from_offer, pattern=f"^{OFFER_DATA}$")],
        states={step: state for step in steps.ALL_STEPS},
        fallbacks=[cancel_command(DRAFT, form=FORM), CommandHandler("need", form_still_open)],
        name="need",
    )


async def start_need_from_offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """"登记为需求" on the offer."""
    await update.callback_query.answer()
    return await start_need(update, context, from_offer=True)


def extra_handlers() -> list:
    return [CallbackQueryHandler(answer_offer_as_question, pattern=f"^{CB}asq$")]
