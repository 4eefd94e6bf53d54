"""/case and /cases: negative-behaviour follow-up (clause 8), the member's reply, and the daily overdue sweep.

```mermaid
stateDiagram-v2
    [*] --> MEMBER: /case (branch officers, the community)
    MEMBER --> TYPE: member button or name typed
    TYPE --> FACTS: case type button
    FACTS --> DEADLINE: facts typed (5–2000 characters)
    DEADLINE --> [*]: default button or a date typed (not in the past) → opened, member notified
    [*] --> REPLY: the member's 回复 button
    REPLY --> [*]: reply typed → recorded, the officer who opened it told
    [*] --> [*]: 已整改 button (officers), /cases list
```
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...errors import DomainError, Invalid
from ...messages import t
from ...needs import queries
from ...outbox import notices
from ...org.permissions import can
from ...party import cases
from ...party.checkins import local_date
from ..common import (
    as_person, as_registered, ask, cancel_command, conversation, fail, finish, keyboard, lang_of, last_number, parse_day,
    reply, runtime,
)
from ..menu import deny
from ..sender import notice_channel, notify, send_notices
from ..pickers import picker
from .points import compounds_where, member_steps, roster_buttons, today_of

log = logging.getLogger(__name__)
MEMBER, TYPE, FACTS, DEADLINE, REPLY = "case.member", "case.type", "case.facts", "case.deadline", "case.reply"
CB = "cs:"
FORM, REPLY_FORM = "case", "case_reply"  # the forms' messages (common.step)
DRAFT = "case_draft"
MEMBER_BUTTONS = 20
LIST_SHOWN = 10
SWEEP_JOB = "cases_sweep"
SWEEP_AT = time(8, 0)  # daily local time (the party policy's zone), after the night's deadlines passed


def _type(policy, type_id: str, lang: str) -> str:
    found = policy.case_type(type_id)
    return found.label(lang) if found else type_id


def case_line(policy, v: cases.CaseView, lang: str) -> str:
    return t("casebot.line", lang, id=v.id, name=v.person_name, compound=v.compound_name,
             type=_type(policy, v.case_type, lang), status=t(f"case.status.{v.status}", lang),
             deadline=v.deadline.isoformat())


async def start_case(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/case: record a negative-behaviour case against a member of my branch."""
    def load(session, pid):
        compounds = compounds_where(session, pid, "manage_cases")
        return roster_buttons(session, compounds, f"{CB}m:")[:MEMBER_BUTTONS] if compounds else None

    pairs = await as_person(update, context, load)
    if pairs is None:
        await deny(update, context, "manage_cases")
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    await ask(update, context, FORM, "casebot.ask_member" if pairs else "pointsbot.roster_empty",
              picker(context, pairs, lang_of(update)))
    return MEMBER


async def _set_member(update: Update, context, person_id: int) -> str | int:
    lang, policy = lang_of(update), runtime(context).policies.party

    def check(session, pid):
        return cases.member_name_for_case(session, pid, person_id)

    try:
        name = await as_person(update, context, check)
    except DomainError as err:
        name, error = None, err
    else:
        error = None if name else DomainError("bot.not_registered")
    if error is not None:
        context.user_data.pop(DRAFT, None)
        return await fail(update, error)
    context.user_data[DRAFT] = {"person_id": person_id, "name": name}
    pairs = [(c.label(lang), f"{CB}t:{c.id}") for c in policy.case_types]
    await ask(update, context, FORM, "casebot.ask_type", keyboard(pairs), name=name)
    return TYPE


choose_member, type_member = member_steps("manage_cases", f"{CB}m:", "casebot.ask_member", _set_member, MEMBER, FORM)


async def choose_type(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Case type chosen: ask the facts."""
    query = update.callback_query
    await query.answer()
    context.user_data[DRAFT]["case_type"] = query.data.rsplit(":", 1)[1]
    await ask(update, context, FORM, "casebot.ask_facts")
    return FACTS


def _ask_deadline(update: Update, context):
    rt = runtime(context)
    default = today_of(context) + timedelta(days=rt.policies.party.rectify_days)
    button = keyboard([(t("casebot.default_deadline", lang_of(update), day=default.isoformat()), f"{CB}dl")])
    return ask(update, context, FORM, "casebot.ask_deadline", button, days=rt.policies.party.rectify_days)


async def type_facts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The facts (5–2000 characters): ask the deadline."""
    facts = update.effective_message.text.strip()
    if not cases.facts_fit(facts):
        await reply(update, "casebot.facts_len")
        return FACTS
    context.user_data[DRAFT]["facts"] = facts
    await _ask_deadline(update, context)
    return DEADLINE


async def _open(update: Update, context, deadline: date | None) -> str | int:
    rt, lang = runtime(context), lang_of(update)
    draft = context.user_data.get(DRAFT) or {}
    if "facts" not in draft:
        return ConversationHandler.END

    def run(session, pid):
        view = cases.open_case(session, rt.policies.party, pid, draft["person_id"], draft["case_type"], draft["facts"],
                               deadline, now=rt.clock())
        return view, queries.accounts_for(session, [view.person_id])

    try:
        view, recipients = await as_registered(update, context, run)
    except Invalid as err:
        if err.errors[0][0] == "deadline":  # a past date: asked again
            await fail(update, err)
            await _ask_deadline(update, context)
            return DEADLINE
        context.user_data.pop(DRAFT, None)
        return await fail(update, err)
    except DomainError as err:
        context.user_data.pop(DRAFT, None)
        return await fail(update, err)
    context.user_data.pop(DRAFT, None)
    policy = rt.policies.party
    await finish(update, context, FORM, t("casebot.opened", lang, line=case_line(policy, view, lang)),
                 keyboard([(t("casebot.do.rectified", lang), f"{CB}ok:{view.id}")]))
    await notify(context, "case:opened", recipients,
                 lambda lg: t("casebot.notify_member", lg, type=_type(policy, view.case_type, lg), facts=view.facts,
                              deadline=view.deadline.isoformat(), compound=view.compound_name),
                 lambda lg: [[(t("casebot.do.reply", lg), f"{CB}reply:{view.id}")]])
    return ConversationHandler.END


async def default_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """The policy's default deadline (today + rectify_days)."""
    await update.callback_query.answer()
    return await _open(update, context, None)


async def type_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A deadline typed (YYYY-MM-DD or MM-DD), not in the past."""
    day, error = parse_day(update.effective_message.text, today_of(context), "pointsbot.bad_day")
    if error:
        await reply(update, error)
        await _ask_deadline(update, context)
        return DEADLINE
    return await _open(update, context, day)


async def start_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The member's 回复 button: ask the reply."""
    query = update.callback_query
    await query.answer()
    context.user_data[DRAFT] = {"reply_to": last_number(query.data)}
    await ask(update, context, REPLY_FORM, "casebot.ask_reply")
    return REPLY


async def type_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The member's reply: recorded, the officer who opened the case told."""
    draft, rt = context.user_data.pop(DRAFT, {}), runtime(context)
    text = update.effective_message.text.strip()

    def run(session, pid):
        view = cases.member_reply(session, draft["reply_to"], pid, text, now=rt.clock())
        return view, queries.accounts_for(session, [view.created_by])

    try:
        view, recipients = await as_registered(update, context, run)
    except (DomainError, KeyError) as err:
        return await fail(update, err) if isinstance(err, DomainError) else ConversationHandler.END
    await finish(update, context, REPLY_FORM, t("casebot.replied", lang_of(update), id=view.id))
    await notify(context, "case:reply", recipients, lambda lg: t("casebot.notify_reply", lg, id=view.id,
                                                                name=view.person_name, reply=text),
                 lambda lg: [[(t("casebot.do.rectified", lg), f"{CB}ok:{view.id}")]])
    return ConversationHandler.END


async def rectified(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """已整改 (officers): the case is marked rectified and the member told."""
    query = update.callback_query
    await query.answer()
    case_id, rt, lang = last_number(query.data), runtime(context), lang_of(update)

    def run(session, pid):
        view = cases.mark_rectified(session, case_id, pid, now=rt.clock())
        return view, queries.accounts_for(session, [view.person_id])

    try:
        view, recipients = await as_registered(update, context, run)
    except DomainError as err:
        return await fail(update, err)
    await reply(update, "casebot.done", line=case_line(rt.policies.party, view, lang))
    await notify(context, "case:rectified", recipients, lambda lg: t("casebot.notify_rectified", lg, id=view.id))
    return ConversationHandler.END


async def list_cases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cases: the cases I may see, with their status."""
    lang, policy = lang_of(update), runtime(context).policies.party

    def load(session, pid):
        views = cases.visible_cases(session, pid)[:LIST_SHOWN]
        buttons = []
        for v in views:
            if v.status != "open":
                continue
            if v.person_id == pid:
                buttons.append((t("casebot.do.reply_id", lang, id=v.id), f"{CB}reply:{v.id}"))
            elif can(session, pid, "manage_cases", v.compound_id):
                buttons.append((t("casebot.do.rectified_id", lang, id=v.id), f"{CB}ok:{v.id}"))
        return views, buttons

    found = await as_person(update, context, load)
    if found is None:
        await reply(update, "bot.not_registered")
    elif not found[0]:
        await reply(update, "casebot.none")
    else:
        views, buttons = found
        await update.effective_message.reply_text("\n".join(case_line(policy, v, lang) for v in views),
                                                  reply_markup=keyboard(buttons) if buttons else None)
    return ConversationHandler.END


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Daily: open cases past their deadline become 未整改; the unit contact gets the notice, the branch is told
    (queued in the outbox with the status change: one transaction)."""
    rt = runtime(context)
    policy, now, channel = rt.policies.party, rt.clock(), notice_channel(rt)

    def branch_text(n, key: str):
        return lambda lg: t("casebot.unrectified", lg, id=n.case_id, name=n.member_name, deadline=n.deadline.isoformat(),
                            type=n.case_type_en if lg.startswith("en") else n.case_type_zh, year=n.year) + "\n" + t(key, lg)

    def run():
        with rt.db.session() as session:
            found, ids = cases.sweep_overdue(session, policy, local_date(policy, now), now=now), []
            for n in found if channel else ():
                to = cases.notice_recipients(session, n)
                contact = [a for a in queries.accounts_for(session, list(to.contact_ids)) if a.channel == channel]
                if contact:
                    ids += notices.queue(session, "case:notice", contact, n.text, channel=channel, now=now)
                    cases.mark_notice_sent(session, n.case_id, now=now)
                ids += notices.queue(session, "case:unrectified", queries.accounts_for(session, to.branch_ids),
                                     branch_text(n, "casebot.notice_sent" if contact else "casebot.notice_export"),
                                     channel=channel, now=now)
            return len(found), ids

    moved, ids = await asyncio.to_thread(run)
    await send_notices(context, ids)
    if moved:
        log.info("%d negative cases became unrectified", moved)
    return moved


def schedule(application: Application, zone: ZoneInfo) -> None:
    """Run the sweep every day at SWEEP_AT in `zone` (the party policy's)."""
    application.job_queue.run_daily(sweep, time=SWEEP_AT.replace(tzinfo=zone), name=SWEEP_JOB)


def build_handler() -> ConversationHandler:
    """/case, /cases, the member's reply and the rectified button."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("case", start_case), CommandHandler("cases", list_cases),
                      CallbackQueryHandler(start_reply, pattern=rf"^{CB}reply:\d+$"),
                      CallbackQueryHandler(rectified, pattern=rf"^{CB}ok:\d+$")],
        states={
            MEMBER: [CallbackQueryHandler(choose_member, pattern=rf"^{CB}m:\d+$"), MessageHandler(text, type_member)],
            TYPE: [CallbackQueryHandler(choose_type, pattern=rf"^{CB}t:")],
            FACTS: [MessageHandler(text, type_facts)],
            DEADLINE: [CallbackQueryHandler(default_deadline, pattern=rf"^{CB}dl$"), MessageHandler(text, type_deadline)],
            REPLY: [MessageHandler(text, type_reply)],
        },
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="cases",
        allow_reentry=True,
    )
