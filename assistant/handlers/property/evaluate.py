"""/evaluate: a branch secretary or community coordinator scores a property company (clause 12, "双百分").

```mermaid
stateDiagram-v2
    [*] --> CONTRACT: /evaluate → companies and compounds I may evaluate
    CONTRACT --> PERIOD: contract button
    PERIOD --> SCORE: period button or typed (2026H2)
    SCORE --> NOTE: a score below the maximum (button or typed)
    NOTE --> SCORE: reason typed → next item
    SCORE --> VETO: last item scored
    VETO --> VETO: veto item ticked / unticked
    VETO --> VETO_NOTE: 完成 with veto items ticked
    VETO --> REVIEW: 完成 without veto items
    VETO_NOTE --> REVIEW: facts typed
    REVIEW --> [*]: 提交 → saved (a resubmission replaces the earlier one, kept in history)
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
from ...org.permissions import can
from ...property import evaluations, ratings
from ..common import (
    as_person,
    as_registered,
    ask,
    cancel_command,
    conversation,
    fail,
    finish,
    keyboard,
    lang_of,
    reply,
    runtime,
    step,
)
from ..menu import deny
from ..pickers import picker

CONTRACT, PERIOD, SCORE, NOTE, VETO, VETO_NOTE, REVIEW = (
    "eval.contract", "eval.period", "eval.score", "eval.note", "eval.veto", "eval.veto_note", "eval.review")
CB = "ev:"
FORM = "evaluate"  # the form's message (common.step)
DRAFT = "evaluate_draft"
CONTRACT_BUTTONS = 20


def _period_now(context) -> str:
    rt = runtime(context)
    return rt.policies.rubric.period_of(rt.clock().astimezone(rt.policies.rubric.zone).date())


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/evaluate: score a property company serving one of my compounds (branch secretaries, coordinators)."""
    rubric, now = runtime(context).policies.rubric, _period_now(context)

    def load(session, pid):
        if not can(session, pid, "evaluate_property"):
            return None
        found = {}
        for period in (now, rubric.previous_period(now)):
            for c in evaluations.evaluable(session, rubric, pid, period):
                found.setdefault((c.company_id, c.compound_id), c)
        return list(found.values())

    found = await as_person(update, context, load)
    if found is None:
        await deny(update, context, "evaluate_property")
        return ConversationHandler.END
    if not found:
        await reply(update, "evalbot.no_contracts")
        return ConversationHandler.END
    pairs = [(f"{c.company_name} · {c.compound_name}", f"{CB}c:{c.company_id}:{c.compound_id}")
             for c in found[:CONTRACT_BUTTONS]]
    context.user_data[DRAFT] = {"names": {f"{c.company_id}:{c.compound_id}": [c.company_name, c.compound_name]
                                          for c in found}}
    await ask(update, context, FORM, "evalbot.ask_contract", picker(context, pairs, lang_of(update)))
    return CONTRACT


async def choose_contract(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Contract chosen: ask the period."""
    query = update.callback_query
    await query.answer()
    draft = context.user_data.get(DRAFT) or {}
    key = query.data[len(f"{CB}c:"):]
    if key not in draft.get("names", {}):
        return ConversationHandler.END
    company_id, compound_id = (int(x) for x in key.split(":"))
    draft.update(company_id=company_id, compound_id=compound_id, company=draft["names"][key][0],
                 compound=draft["names"][key][1])
    now = _period_now(context)
    periods = [now, runtime(context).policies.rubric.previous_period(now)]
    await ask(update, context, FORM, "evalbot.ask_period", keyboard([(p, f"{CB}p:{p}") for p in periods]), example=now)
    return PERIOD


async def _set_period(update: Update, context, period: str) -> str:
    rubric, draft = runtime(context).policies.rubric, context.user_data[DRAFT]
    if not rubric.valid_period(period):
        await reply(update, "eval.err.period_example", example=_period_now(context))
        return PERIOD
    start_day, after = rubric.period_range(period)

    def load(session, pid):
        running = [c for c in evaluations.contracts(session, None, start_day, after)
                   if (c.company_id, c.compound_id) == (draft["company_id"], draft["compound_id"])]
        earlier = evaluations.current(session, pid, draft["company_id"], draft["compound_id"], period)
        return bool(running), earlier

    running, earlier = await as_registered(update, context, load)
    if not running:
        await reply(update, "eval.err.no_contract")
        return PERIOD
    draft.update(period=period, index=0, scores={}, vetoes=[])
    if earlier is not None:
        when = earlier.submitted_at.astimezone(rubric.zone).strftime("%Y-%m-%d %H:%M")
        await reply(update, "evalbot.replaces", version=earlier.version, when=when)
    return await _ask_item(update, context)


async def choose_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Period button pressed."""
    await update.callback_query.answer()
    return await _set_period(update, context, update.callback_query.data[len(f"{CB}p:"):])


async def type_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Period typed, e.g. 2026H2."""
    return await _set_period(update, context, update.effective_message.text.strip().upper())


async def _ask_item(update: Update, context) -> str:
    rubric, draft, lang = runtime(context).policies.rubric, context.user_data[DRAFT], lang_of(update)
    item = rubric.items[draft["index"]]
    part = rubric.part(item.part)
    if item is part.items[0] and item.part == "service_quality":
        seen = await as_person(update, context, lambda s, pid: ratings.satisfaction(
            s, draft["compound_id"], draft["period"], rubric))
        if seen.visits:
            await reply(update, "evalbot.satisfaction", share=f"{seen.share:.0%}", satisfied=seen.satisfied,
                        visits=seen.visits)
        else:
            await reply(update, "evalbot.satisfaction_none")
    values = [item.max - d for d in rubric.quick_deductions if item.max - d >= 0]
    pairs = [(t("evalbot.full" if v == item.max else "evalbot.points", lang, points=f"{v:g}"), f"{CB}s:{v:g}")
             for v in dict.fromkeys(values)]
    await ask(update, context, FORM, "evalbot.ask_item", keyboard(pairs), part=part.label(lang),
              n=part.items.index(item) + 1, count=len(part.items), item=item.label(lang), max=f"{item.max:g}",
                description=item.description)
    return SCORE


async def _set_score(update: Update, context, text: str) -> str:
    rubric, draft = runtime(context).policies.rubric, context.user_data[DRAFT]
    item = rubric.items[draft["index"]]
    try:
        points = float(text.strip().removesuffix("分"))
    except ValueError:
        points = None
    if evaluations.check_points(rubric, item.id, points) is not None:
        await reply(update, "evalbot.bad_points", max=f"{item.max:g}")
        return SCORE
    draft["scores"][item.id] = [points, None]
    if points < item.max:
        await ask(update, context, FORM, "evalbot.ask_note", points=f"{item.max - points:g}")
        return NOTE
    return await _next(update, context)


async def choose_score(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A common value pressed."""
    await update.callback_query.answer()
    return await _set_score(update, context, update.callback_query.data[len(f"{CB}s:"):])


async def type_score(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A score typed (up to the item's maximum, one decimal)."""
    return await _set_score(update, context, update.effective_message.text)


async def type_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The reason for the deduction."""
    draft, note = context.user_data[DRAFT], update.effective_message.text.strip()
    if len(note) > evaluations.NOTE_MAX:
        await reply(update, "eval.err.note_long")
        return NOTE
    draft["scores"][runtime(context).policies.rubric.items[draft["index"]].id][1] = note
    return await _next(update, context)


async def _next(update: Update, context) -> str:
    draft, rubric = context.user_data[DRAFT], runtime(context).policies.rubric
    draft["index"] += 1
    if draft["index"] < len(rubric.items):
        return await _ask_item(update, context)
    return await _ask_veto(update, context)


async def _ask_veto(update: Update, context) -> str:
    rubric, draft, lang = runtime(context).policies.rubric, context.user_data[DRAFT], lang_of(update)
    pairs = [(("☑ " if v.id in draft["vetoes"] else "☐ ") + v.label(lang), f"{CB}v:{v.id}") for v in rubric.vetoes]
    pairs.append((t("evalbot.veto_done", lang), f"{CB}done"))
    await ask(update, context, FORM, "evalbot.ask_veto", keyboard(pairs))
    return VETO


async def toggle_veto(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A veto item ticked or unticked."""
    await update.callback_query.answer()
    draft, veto = context.user_data[DRAFT], update.callback_query.data[len(f"{CB}v:"):]
    if runtime(context).policies.rubric.veto(veto) is not None:
        draft["vetoes"] = [v for v in draft["vetoes"] if v != veto] if veto in draft["vetoes"] \
            else draft["vetoes"] + [veto]
    return await _ask_veto(update, context)


async def veto_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """完成: ask the facts behind a veto, or show the summary."""
    await update.callback_query.answer()
    if context.user_data[DRAFT]["vetoes"]:
        await ask(update, context, FORM, "evalbot.ask_veto_note")
        return VETO_NOTE
    return await _review(update, context)


async def type_veto_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The facts behind the veto items."""
    note = update.effective_message.text.strip()
    if len(note) > evaluations.NOTE_MAX:
        await reply(update, "eval.err.note_long")
        return VETO_NOTE
    context.user_data[DRAFT]["veto_note"] = note
    return await _review(update, context)


async def _review(update: Update, context) -> str:
    rubric, draft, lang = runtime(context).policies.rubric, context.user_data[DRAFT], lang_of(update)
    sums = {p.id: sum(draft["scores"][i.id][0] for i in p.items) for p in rubric.parts}
    total = rubric.total(sums["party_building"], sums["service_quality"])
    lines = [t("evalbot.review_head", lang, company=draft["company"], compound=draft["compound"],
               period=draft["period"])]
    for part in rubric.parts:
        lines.append(t("evalbot.review_part", lang, part=part.label(lang), points=f"{sums[part.id]:g}"))
        lines += [t("evalbot.review_deduction", lang, item=i.label(lang), points=f"{i.max - draft['scores'][i.id][0]:g}",
                    note=draft["scores"][i.id][1]) for i in part.items if draft["scores"][i.id][0] < i.max]
    vetoes = "、".join(rubric.veto(v).label(lang) for v in draft["vetoes"]) or t("evalbot.none", lang)
    lines.append(t("evalbot.review_total", lang, total=f"{round(total, 1):g}", vetoes=vetoes,
                   stars=ratings.stars_text(rubric.stars_for(round(total, 1), bool(draft["vetoes"])))))
    buttons = [(t("evalbot.submit", lang), f"{CB}submit"), (t("evalbot.cancel", lang), f"{CB}cancel")]
    await step(update, context, FORM, "\n".join(lines), keyboard(buttons))
    return REVIEW


async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """提交: save the evaluation (a new version when there was one)."""
    await update.callback_query.answer()
    draft, rt = context.user_data.pop(DRAFT, {}), runtime(context)
    if "period" not in draft:
        return ConversationHandler.END
    scores = {item: (points, note) for item, (points, note) in draft["scores"].items()}

    def run(session, pid):
        return evaluations.submit(session, rt.policies.rubric, pid, draft["company_id"], draft["compound_id"],
                                  draft["period"], scores, draft["vetoes"], draft.get("veto_note"), now=rt.clock())

    try:
        saved = await as_person(update, context, run)
    except DomainError as err:
        return await fail(update, err)
    await finish(update, context, FORM, t("evalbot.submitted", lang_of(update), company=draft["company"],
                                          compound=draft["compound"], period=draft["period"], version=saved.version))
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """取消: drop the draft."""
    await update.callback_query.answer()
    context.user_data.pop(DRAFT, None)
    await finish(update, context, FORM, t("bot.cancelled", lang_of(update)))
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """The /evaluate conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("evaluate", start)],
        states={
            CONTRACT: [CallbackQueryHandler(choose_contract, pattern=rf"^{CB}c:\d+:\d+$")],
            PERIOD: [CallbackQueryHandler(choose_period, pattern=rf"^{CB}p:"), MessageHandler(text, type_period)],
            SCORE: [CallbackQueryHandler(choose_score, pattern=rf"^{CB}s:"), MessageHandler(text, type_score)],
            NOTE: [MessageHandler(text, type_note)],
            VETO: [CallbackQueryHandler(toggle_veto, pattern=rf"^{CB}v:"),
                   CallbackQueryHandler(veto_done, pattern=rf"^{CB}done$")],
            VETO_NOTE: [MessageHandler(text, type_veto_note)],
            REVIEW: [CallbackQueryHandler(submit, pattern=rf"^{CB}submit$"),
                     CallbackQueryHandler(cancel, pattern=rf"^{CB}cancel$")],
        },
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="evaluate",
        allow_reentry=True,
    )
