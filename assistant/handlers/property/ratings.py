"""/ratings: property-company results for my units (clause 12): both scores, total, stars, veto, rank."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from ...messages import t
from ...property import ratings
from ..common import as_person, lang_of, reply, runtime
from ..menu import deny

MAX_LINES = 40  # one chat message stays well under Telegram's 4,096 characters
HISTORY = ("history", "历史")


async def show_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ratings history: each company and compound's result, period by period."""
    rt, lang = runtime(context), lang_of(update)
    found = await as_person(update, context, lambda s, pid: ratings.history_for(s, rt.policies.rubric, pid), read_only=True)
    if found is None:
        await deny(update, context, "view_reports")
        return
    if not found:
        await reply(update, "evalbot.no_history")
        return
    sep = t("digest.sep", lang)
    lines = [t("evalbot.history_head", lang)] + [
        t("evalbot.history_line", lang, company=rows[0].company_name, compound=rows[0].compound_name,
          periods=sep.join(t("evalbot.history_item", lang, period=r.period, total=f"{r.total:g}",
                             stars=ratings.stars_text(r.stars), veto=t("eval.rating.veto", lang) if r.vetoed else "")
                           for r in rows))
        for rows in found[:MAX_LINES]]
    await update.effective_message.reply_text("\n".join(lines))


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ratings [period|history]: property-company ratings in my units (this period unless one is given,
    e.g. 2026H1; `history` lists every period)."""
    rt, lang = runtime(context), lang_of(update)
    if context.args and context.args[0].lower() in HISTORY:
        await show_history(update, context)
        return
    now = rt.policies.rubric.period_of(rt.clock().astimezone(rt.policies.rubric.zone).date())
    period = context.args[0].upper() if context.args else now
    if not rt.policies.rubric.valid_period(period):
        await reply(update, "eval.err.period_example", example=now)
        return
    found = await as_person(update, context, lambda s, pid: ratings.results_for(s, rt.policies.rubric, pid, period), read_only=True)
    if found is None:
        await deny(update, context, "view_reports")
        return
    if not found:
        await reply(update, "evalbot.no_ratings", period=period)
        return
    lines = [t("evalbot.ratings_head", lang, period=period)] + [ratings.rating_line(r, lang) for r in found[:MAX_LINES]]
    await update.effective_message.reply_text("\n".join(lines))


def build_handler() -> CommandHandler:
    return CommandHandler("ratings", show)
