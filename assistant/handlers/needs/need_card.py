"""/mine, /todo and a need's card (/need_<id>): details, history, and the handling steps.

```mermaid
stateDiagram-v2
    [*] --> CARD: /mine, /todo, /need_<id>, a list button
    CARD --> [*]: 签收 (accept)
    CARD --> NOTE: 进展 / 办结 / 退回 (needs a note)
    NOTE --> [*]: note typed → recorded, people notified
    CARD --> CONTACTED: 回访 (return visit)
    CONTACTED --> SOLVED
    SOLVED --> SATISFIED
    SATISFIED --> [*]: closed, or reopened when not solved
```
"""
from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...errors import DomainError
from ...messages import t, zone_name
from ...needs import handling, queries
from ...needs.views import NeedView, event_text, place_text
from ...org.people import shown_name
from ...textlimits import preview as cut
from ..common import as_person, as_registered, cancel_command, conversation, lang_of, number, reply, runtime
from ..notify import notify_need

log = logging.getLogger(__name__)
NOTE, CONTACTED, SOLVED, SATISFIED = "card.note", "card.contacted", "card.solved", "card.satisfied"
CB = "nc:"
PENDING = "card_pending"
CARDS = "need_cards"  # chat_data: card message id → need id, so an action edits its card in place (persisted)
CARDS_KEPT = 50
LIST_SHOWN = 10
LIST_DESCRIPTION = 30  # characters of a need's description in /mine and /todo
HISTORY_SHOWN = 12
NOTE_ACTIONS = ("progress", "resolve", "hand_back")
EVENT_OF_ACTION = {"accept": "accepted", "progress": "progress", "resolve": "resolved", "hand_back": "handed_back"}
SATISFACTION = ("satisfied", "basically", "unsatisfied")


def _when(at, zone) -> str:
    return at.astimezone(zone).strftime("%m-%d %H:%M")


def card_text(policy, d: queries.NeedDetail, lang: str, preview: int | None = None) -> str:
    """A need's details and history (the description and notes cut to `preview` characters)."""
    v, zone = d.need, policy.zone
    category = next((c.label(lang) for c in policy.categories if c.id == v.category), v.category)
    place = place_text(v.compound_name, v.building_name, v.entrance, lang)
    lines = [t("needcard.head", lang, ticket=v.ticket, status=t(f"need.status.{v.status}", lang), category=category,
               urgency=t(f"need.urgency.{v.urgency}", lang), place=place, level=v.level_unit_name,
               party=v.responsible_party or "—", accept_due=_when(v.accept_due_at, zone),
               resolve_due=_when(v.resolve_due_at, zone), zone=zone_name(zone, lang)),
             cut(d.description, preview)]
    if v.resident_name or d.resident_phone:
        lines.append(t("needcard.resident", lang, name=v.resident_name or "—", phone=d.resident_phone or "—"))
    lines.append(t("needcard.history", lang))
    for e in d.events[-HISTORY_SHOWN:]:
        what = event_text(e.kind, e.data, e.note and cut(e.note, preview), lang)
        lines.append(f"{_when(e.at, zone)} {shown_name(e.actor_name, lang) or t('needcard.system', lang)} {what}")
    return "\n".join(lines)


def _card_buttons(view: NeedView, lang: str) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(t(f"needcard.do.{a}", lang), callback_data=f"{CB}{a}:{view.id}")]
            for a in handling.allowed_actions(view.status)]
    return InlineKeyboardMarkup(rows) if rows else None


async def show_card(update: Update, context: ContextTypes.DEFAULT_TYPE, need_id: int) -> int:
    """Send the card of one need (if the sender may see it)."""
    lang = lang_of(update)
    try:
        d = await as_person(update, context, lambda s, pid: queries.detail(s, need_id, pid))
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    if d is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    rt = runtime(context)
    sent = await update.effective_message.reply_text(card_text(rt.policies.needs, d, lang, rt.settings.preview_chars),
                                                     reply_markup=_card_buttons(d.need, lang))
    cards = context.chat_data.setdefault(CARDS, {})
    cards[str(sent.message_id)] = need_id
    for old in list(cards)[:-CARDS_KEPT]:
        del cards[old]
    if d.need.photo_file_id:
        await update.effective_message.reply_photo(d.need.photo_file_id, caption=d.need.ticket)
    return ConversationHandler.END


async def _list(update: Update, context, query, empty_key: str) -> int:
    lang = lang_of(update)
    views = await as_person(update, context, query)
    if views is None:
        await reply(update, "bot.not_registered")
    elif not views:
        await reply(update, empty_key)
    else:
        lines = [t("needcard.list_line", lang, id=v.id, ticket=v.ticket, status=t(f"need.status.{v.status}", lang),
                   compound=v.compound_name, description=cut(v.description, LIST_DESCRIPTION)) for v in views[:LIST_SHOWN]]
        rows = [[InlineKeyboardButton(v.ticket, callback_data=f"{CB}show:{v.id}")] for v in views[:LIST_SHOWN]]
        await update.effective_message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))
    return ConversationHandler.END


async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/mine: needs I filed."""
    return await _list(update, context, lambda s, pid: queries.mine(s, pid), "needcard.none_mine")


async def todo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/todo: needs waiting for me or my unit."""
    return await _list(update, context, lambda s, pid: queries.todo(s, pid), "needcard.none_todo")


async def need_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/need_<id>: one need's card."""
    return await show_card(update, context, int(re.match(r"/need_(\d+)", update.effective_message.text).group(1)))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A card or list button: show, accept, or start a note / the return visit."""
    query = update.callback_query
    await query.answer()
    action, _, need_id = query.data[len(CB):].partition(":")
    need_id = number(need_id)
    if action == "show":
        return await show_card(update, context, need_id)
    card = query.message.message_id if context.chat_data.get(CARDS, {}).get(str(query.message.message_id)) == need_id \
        else None  # pressed on the need's card (not a list or a notice): edited in place afterwards
    if action == "accept":
        return await _apply(update, context, need_id, "accept", None, card)
    if action in NOTE_ACTIONS:
        context.user_data[PENDING] = {"action": action, "need_id": need_id, "card": card}
        await reply(update, f"needcard.ask_{action}")
        return NOTE
    if action == "visit":
        context.user_data[PENDING] = {"action": "visit", "need_id": need_id, "card": card}
        return await _ask_visit(update, "contacted", CONTACTED)
    return ConversationHandler.END


async def _refresh_card(update: Update, context, need_id: int, card: int | None) -> None:
    """Edit the card message `card` in place: the need's new state, history and next actions."""
    if card is None:
        return
    lang = lang_of(update)
    try:
        d = await as_person(update, context, lambda s, pid: queries.detail(s, need_id, pid))
        rt = runtime(context)
        await context.bot.edit_message_text(card_text(rt.policies.needs, d, lang, rt.settings.preview_chars),
                                            chat_id=update.effective_chat.id, message_id=card,
                                            reply_markup=_card_buttons(d.need, lang))
    except (DomainError, TelegramError) as err:  # no longer theirs to see, or too old to edit: the reply tells
        log.warning("could not edit the card of need %s: %s", need_id, err)


async def _apply(update: Update, context, need_id: int, action: str, note: str | None, card: int | None) -> int:
    lang = lang_of(update)

    policy = runtime(context).policies.needs

    def run(session, person_id):
        if action == "accept":
            return handling.accept(session, need_id, person_id), person_id
        if action == "hand_back":  # the accept deadline starts afresh under the Runtime's SLA
            return handling.hand_back(session, need_id, person_id, note, policy=policy), person_id
        step = handling.post_progress if action == "progress" else handling.resolve
        return step(session, need_id, person_id, note), person_id

    try:
        result = await as_person(update, context, run)
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    if result is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    view, person_id = result
    await _refresh_card(update, context, need_id, card)
    await reply(update, "needcard.done", ticket=view.ticket, status=t(f"need.status.{view.status}", lang))
    await notify_need(context, need_id, EVENT_OF_ACTION[action], actor_id=person_id, note=note)
    return ConversationHandler.END


async def receive_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The note for progress / resolve / hand back."""
    pending = context.user_data.pop(PENDING, None)
    if not pending:
        return ConversationHandler.END
    return await _apply(update, context, pending["need_id"], pending["action"], update.effective_message.text.strip(),
                        pending.get("card"))


async def _ask_visit(update: Update, question: str, state: str) -> str:
    lang = lang_of(update)
    if question == "satisfied":
        options = [(t(f"need.satisfaction.{s}", lang), f"{CB}v:{s}") for s in SATISFACTION]
    else:
        options = [(t("needcard.yes", lang), f"{CB}v:1"), (t("needcard.no", lang), f"{CB}v:0")]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in options])
    await update.effective_message.reply_text(t(f"needcard.visit_{question}", lang), reply_markup=markup)
    return state


async def visit_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """The three return-visit questions: contacted, solved, satisfied."""
    query = update.callback_query
    await query.answer()
    pending = context.user_data.get(PENDING) or {}
    value = query.data[len(CB) + 2:]
    if "contacted" not in pending:
        pending["contacted"] = value == "1"
        return await _ask_visit(update, "solved", SOLVED)
    if "solved" not in pending:
        pending["solved"] = value == "1"
        return await _ask_visit(update, "satisfied", SATISFIED)
    context.user_data.pop(PENDING, None)
    lang = lang_of(update)

    policy = runtime(context).policies.needs

    def run(session, person_id):
        return handling.record_visit(session, pending["need_id"], person_id, pending["contacted"], pending["solved"],
                                     value, policy=policy), person_id

    try:
        view, person_id = await as_registered(update, context, run)
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    await _refresh_card(update, context, view.id, pending.get("card"))
    await reply(update, "needcard.done", ticket=view.ticket, status=t(f"need.status.{view.status}", lang))
    await notify_need(context, view.id, "closed" if view.status == "closed" else "reopened", actor_id=person_id)
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """Lists, cards and handling steps."""
    return conversation(
        entry_points=[CommandHandler("mine", mine), CommandHandler("todo", todo),
                      MessageHandler(filters.Regex(r"^/need_\d+"), need_command),
                      CallbackQueryHandler(on_button, pattern=rf"^{CB}(?!v:)")],
        states={
            NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_note)],
            CONTACTED: [CallbackQueryHandler(visit_answer, pattern=rf"^{CB}v:")],
            SOLVED: [CallbackQueryHandler(visit_answer, pattern=rf"^{CB}v:")],
            SATISFIED: [CallbackQueryHandler(visit_answer, pattern=rf"^{CB}v:")],
        },
        fallbacks=[cancel_command(PENDING)],
        name="need_card",
        allow_reentry=True,
    )
