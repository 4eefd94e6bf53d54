"""/points: a member's service points (clause 7); building leaders and branch officers record and correct them.

```mermaid
stateDiagram-v2
    [*] --> [*]: /points → total, this month, rank (+ buttons for officers)
    [*] --> MEMBER: 记分 / 更正 button
    MEMBER --> ACTIVITY: member button or name typed (记分)
    ACTIVITY --> DAY: activity button
    DAY --> NOTE: 今天 or a date typed (future / before 1921-07-01 re-asked)
    NOTE --> [*]: note typed or "skip" → recorded, member notified
    MEMBER --> ENTRY: member chosen (更正)
    ENTRY --> FIX_NOTE: entry button
    FIX_NOTE --> [*]: reason typed → correcting entry, member notified
    [*] --> [*]: 排行榜 → monthly leaderboard and the quarter's 党员先锋岗
```
"""
from __future__ import annotations

from datetime import date

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
from ...needs import queries
from ...org import permissions
from ...org.people import name_of, shown_name
from ...party import checkins, points
from ...party.checkins import local_date
from ..common import (
    as_person, as_registered, ask, cancel_command, conversation, fail, finish, keyboard, lang_of, last_number, parse_day,
    reply, runtime,
)
from ..menu import deny
from ..sender import notify
from ..pickers import picker

MEMBER, ACTIVITY, DAY, NOTE, ENTRY, FIX_NOTE = ("points.member", "points.activity", "points.day", "points.note",
                                                "points.entry", "points.fix_note")
CB = "pts:"
FORM = "points"  # the form's message (common.step)
DRAFT = "points_draft"
MEMBER_BUTTONS = 20
ENTRY_BUTTONS = 8
BOARD_SHOWN = 10


def compounds_where(session, person_id: int, action: str) -> list[permissions.UnitRef]:
    """Compounds where the person may do `action` (the org domain's scope query), by name."""
    return permissions.compound_refs_where(session, person_id, action)


def today_of(context) -> date:
    """Today in the policy's zone by the runtime's (controllable) clock."""
    rt = runtime(context)
    return local_date(rt.policies.party, rt.clock())


def roster_buttons(session, compounds, prefix: str, name_filter: str | None = None) -> list[tuple[str, str]]:
    """(label, callback) for the members of these compounds' rosters (optionally whose name contains a text)."""
    pairs = []
    for c in compounds:
        for m in checkins.roster(session, c.id):
            if name_filter and name_filter not in m.person_name:
                continue
            label = m.person_name if len(compounds) == 1 else f"{m.person_name}（{c.name}）"
            pairs.append((label, f"{prefix}{m.person_id}", m.person_name))
    if name_filter:
        exact = [p for p in pairs if p[2] == name_filter]
        pairs = exact or pairs
    return [(label, data) for label, data, _ in pairs]


async def show_points(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/points: my service points (total, this month, rank in my branch)."""
    lang, today = lang_of(update), today_of(context)

    def load(session, pid):
        mine = points.summary(session, pid, today)
        may_record = bool(compounds_where(session, pid, "record_points"))
        has_branch = may_record or checkins.current_branch(session, pid) is not None
        return mine, may_record, has_branch

    found = await as_person(update, context, load)
    if found is None:
        await reply(update, "bot.not_registered")
        return ConversationHandler.END
    mine, may_record, has_branch = found
    buttons = [(t("pointsbot.do.record", lang), f"{CB}rec"), (t("pointsbot.do.fix", lang), f"{CB}fix")] \
        if may_record else []
    if has_branch:
        buttons.append((t("pointsbot.do.board", lang), f"{CB}board"))
    rank = mine.rank_in_branch if mine.rank_in_branch is not None else "—"
    await reply(update, "pointsbot.summary", reply_markup=keyboard(buttons) if buttons else None,
                total=mine.total, month=mine.this_month, rank=rank)
    return ConversationHandler.END


async def start_action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """记分 / 更正: choose the member from the roster (or type a name)."""
    query = update.callback_query
    await query.answer()
    mode = query.data[len(CB):]

    def load(session, pid):
        compounds = compounds_where(session, pid, "record_points")
        return roster_buttons(session, compounds, f"{CB}m:")[:MEMBER_BUTTONS] if compounds else None

    pairs = await as_person(update, context, load)
    if pairs is None:
        await deny(update, context, "record_points")
        return ConversationHandler.END
    context.user_data[DRAFT] = {"mode": mode}
    await ask(update, context, FORM, "pointsbot.ask_member" if pairs else "pointsbot.roster_empty", keyboard(pairs))
    return MEMBER


async def _set_member(update: Update, context, person_id: int) -> str | int:
    draft, lang = context.user_data.get(DRAFT) or {"mode": "rec"}, lang_of(update)

    def check(session, pid):
        ledger = points.ledger_for(session, pid, person_id)
        return ledger.name, ledger.open_entries[-ENTRY_BUTTONS:][::-1]

    try:
        found = await as_person(update, context, check)
    except DomainError as err:
        found, error = None, err
    else:
        error = None if found else DomainError("bot.not_registered")
    if error is not None:
        context.user_data.pop(DRAFT, None)
        return await fail(update, error)
    name, recent = found
    draft.update(person_id=person_id, name=name)
    context.user_data[DRAFT] = draft
    policy = runtime(context).policies.party
    if draft["mode"] == "fix":
        if not recent:
            context.user_data.pop(DRAFT, None)
            await finish(update, context, FORM, t("pointsbot.no_entries", lang, name=name))
            return ConversationHandler.END
        pairs = [(f"{e.on_date.isoformat()} {_activity(policy, e.activity, lang)} {e.points:+d}", f"{CB}e:{e.id}")
                 for e in recent]
        await ask(update, context, FORM, "pointsbot.ask_entry", keyboard(pairs), name=name)
        return ENTRY
    pairs = [(t("pointsbot.activity", lang, label=a.label(lang), points=a.points), f"{CB}a:{a.id}")
             for a in policy.activities]
    await ask(update, context, FORM, "pointsbot.ask_activity", keyboard(pairs), name=name)
    return ACTIVITY


def _activity(policy, activity_id: str, lang: str) -> str:
    found = policy.activity(activity_id)
    return found.label(lang) if found else activity_id


def member_steps(action: str, prefix: str, ask_key: str, set_member, state: str, form: str):
    """The two ways of picking the member: a roster button, or a typed name (one match is taken, several are
    offered as buttons); `set_member(update, context, person_id)` continues the conversation, `state` is the
    conversation state while picking, `form` the form whose message shows the step."""

    async def choose_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
        """Member button pressed."""
        query = update.callback_query
        await query.answer()
        return await set_member(update, context, last_number(query.data))

    async def type_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
        """Member typed by name."""
        text = update.effective_message.text.strip()
        pairs = await as_person(update, context, lambda s, pid: roster_buttons(
            s, compounds_where(s, pid, action), prefix, name_filter=text))
        if len(pairs or []) == 1:
            return await set_member(update, context, last_number(pairs[0][1]))
        if pairs:
            await ask(update, context, form, ask_key, picker(context, pairs[:MEMBER_BUTTONS], lang_of(update)))
        else:
            await reply(update, "pointsbot.no_member", name=text)
        return state

    return choose_member, type_member


choose_member, type_member = member_steps("record_points", f"{CB}m:", "pointsbot.ask_member", _set_member, MEMBER, FORM)


async def choose_activity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Activity chosen: ask the date."""
    query = update.callback_query
    await query.answer()
    context.user_data[DRAFT]["activity"] = query.data.rsplit(":", 1)[1]
    today = today_of(context)
    await ask(update, context, FORM, "pointsbot.ask_day", keyboard([(t("pointsbot.today", lang_of(update),
                                                                        day=today.isoformat()), f"{CB}today")]))
    return DAY


async def _set_day(update: Update, context, day: date | None, unread: str | None = None) -> str:
    policy, today = runtime(context).policies.party, today_of(context)
    errors: list[tuple[str, str]] = [("on_date", unread)] if unread else []
    checkins.check_date(policy, day, "on_date", today, errors)
    if errors:
        await reply(update, errors[0][1])
        await ask(update, context, FORM, "pointsbot.ask_day", keyboard([(t("pointsbot.today", lang_of(update),
                                                                            day=today.isoformat()), f"{CB}today")]))
        return DAY
    context.user_data[DRAFT]["on_date"] = day.isoformat()
    await ask(update, context, FORM, "pointsbot.ask_note", keyboard([(t("pointsbot.skip", lang_of(update)),
                                                                    f"{CB}skip")]))
    return NOTE


async def choose_today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """今天 pressed."""
    await update.callback_query.answer()
    return await _set_day(update, context, today_of(context))


async def type_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A date typed: YYYY-MM-DD or MM-DD."""
    return await _set_day(update, context, *parse_day(update.effective_message.text, today_of(context),
                                                      "pointsbot.bad_day"))


async def _record(update: Update, context, note: str | None) -> int:
    draft, rt, lang = context.user_data.pop(DRAFT, {}), runtime(context), lang_of(update)
    if "on_date" not in draft:
        return ConversationHandler.END

    def run(session, pid):
        entry = points.record_points(session, rt.policies.party, pid, draft["person_id"], draft["activity"],
                                     date.fromisoformat(draft["on_date"]), note, now=rt.clock())
        return entry, name_of(session, pid), queries.accounts_for(session, [draft["person_id"]])

    try:
        entry, recorder, recipients = await as_registered(update, context, run)
    except DomainError as err:
        return await fail(update, err)
    label = lambda lg: _activity(rt.policies.party, entry.activity, lg)
    await finish(update, context, FORM, t("pointsbot.recorded", lang, name=draft["name"], activity=label(lang),
                                          points=entry.points, day=entry.on_date.isoformat()))
    await notify(context, "points:recorded", recipients, lambda lg: t(
        "pointsbot.notify", lg, activity=label(lg), points=entry.points, day=entry.on_date.isoformat(),
        by=shown_name(recorder, lg), note=note or "—"))
    return ConversationHandler.END


async def type_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The optional note, typed."""
    return await _record(update, context, update.effective_message.text.strip())


async def skip_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """No note."""
    await update.callback_query.answer()
    return await _record(update, context, None)


async def choose_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The entry to correct: ask why."""
    query = update.callback_query
    await query.answer()
    context.user_data[DRAFT]["entry_id"] = last_number(query.data)
    await ask(update, context, FORM, "pointsbot.ask_fix_note")
    return FIX_NOTE


async def type_fix_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reason: a correcting entry is added, the member told."""
    draft, rt, lang = context.user_data.pop(DRAFT, {}), runtime(context), lang_of(update)
    note = update.effective_message.text.strip()

    def run(session, pid):
        fix = points.correct(session, draft["entry_id"], pid, note, now=rt.clock())
        return fix, name_of(session, pid), queries.accounts_for(session, [fix.person_id])

    try:
        fix, recorder, recipients = await as_registered(update, context, run)
    except DomainError as err:
        return await fail(update, err)
    label = lambda lg: _activity(rt.policies.party, fix.activity, lg)
    await finish(update, context, FORM, t("pointsbot.corrected", lang, name=draft.get("name", ""), activity=label(lang),
                                          points=fix.points, day=fix.on_date.isoformat()))
    await notify(context, "points:corrected", recipients, lambda lg: t(
        "pointsbot.notify_fix", lg, activity=label(lg), points=fix.points, day=fix.on_date.isoformat(),
        by=shown_name(recorder, lg), note=note))
    return ConversationHandler.END


def board_text(session, policy, compound: permissions.UnitRef, today: date, lang: str) -> str:
    """A branch's leaderboard for this month and the quarter's title holders."""
    lines = [t("pointsbot.board_head", lang, compound=compound.name, month=today.strftime("%Y-%m"))]
    board = points.leaderboard(session, compound.id, today)[:BOARD_SHOWN]
    lines += [t("pointsbot.board_line", lang, rank=s.rank, name=s.name, points=s.points) for s in board]
    if not board:
        lines.append(t("pointsbot.board_empty", lang))
    titles = points.quarter_titles(session, policy, compound.id, today)
    quarter = t("pointsbot.quarter", lang, year=today.year, q=(today.month - 1) // 3 + 1)
    names = "、".join(s.name for s in titles) if titles else t("pointsbot.titles_none", lang)
    lines.append(t("pointsbot.titles", lang, quarter=quarter, title=policy.title(lang), names=names))
    return "\n".join(lines)


async def show_board(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """排行榜: this month's leaderboard of my branch(es) and the quarter's 党员先锋岗."""
    await update.callback_query.answer()
    lang, today, policy = lang_of(update), today_of(context), runtime(context).policies.party

    def load(session, pid):
        compounds = {c.id: c for c in compounds_where(session, pid, "record_points")}
        mine = checkins.current_branch(session, pid)
        if mine is not None:
            compounds.setdefault(mine.id, mine)
        return [board_text(session, policy, c, today, lang) for c in compounds.values()]

    texts = await as_person(update, context, load)
    if not texts:
        await deny(update, context, "record_points")
    for text in texts or []:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """The /points conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("points", show_points),
                      CallbackQueryHandler(start_action, pattern=rf"^{CB}(rec|fix)$"),
                      CallbackQueryHandler(show_board, pattern=rf"^{CB}board$")],
        states={
            MEMBER: [CallbackQueryHandler(choose_member, pattern=rf"^{CB}m:\d+$"), MessageHandler(text, type_member)],
            ACTIVITY: [CallbackQueryHandler(choose_activity, pattern=rf"^{CB}a:")],
            DAY: [CallbackQueryHandler(choose_today, pattern=rf"^{CB}today$"), MessageHandler(text, type_day)],
            NOTE: [CallbackQueryHandler(skip_note, pattern=rf"^{CB}skip$"), MessageHandler(text, type_note)],
            ENTRY: [CallbackQueryHandler(choose_entry, pattern=rf"^{CB}e:\d+$")],
            FIX_NOTE: [MessageHandler(text, type_fix_note)],
        },
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="points",
        allow_reentry=True,
    )
