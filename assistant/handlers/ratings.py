"""/ratings: property-company results for my units (clause 12): both scores, total, stars, veto, rank."""
from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from ..messages import t
from ..services import ratings
from ..services.permissions import ACTIONS, ADMIN, bindings
from ..storage.models import OrgUnit
from .common import as_person, lang_of, reply, runtime

MAX_LINES = 40  # one chat message stays well under Telegram's 4,096 characters
VIEWERS = ACTIONS["view_reports"] | ACTIONS["evaluate_property"] | {ADMIN}


def results_for(session, rubric, person_id: int, period: str) -> list[ratings.RatingView] | None:
    """Results under every unit where the person views reports or evaluates; None when there is none."""
    roots = [b.unit for b in bindings(session, person_id) if b.role in VIEWERS]
    if not roots:
        return None
    if any(b.role == ADMIN for b in bindings(session, person_id)):
        roots = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))))
    outermost = [u for u in roots if not any(o is not u and u.path.startswith(o.path) for o in roots)]
    found = [r for unit in outermost for r in ratings.ratings(session, unit.id, period, rubric)]
    return sorted(found, key=lambda r: (r.district_rank, r.company_name, r.compound_name))


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ratings [period]: property-company ratings in my units (this period unless one is given, e.g. 2026H1)."""
    rt, lang = runtime(context), lang_of(update)
    now = rt.rubric.period_of(rt.clock().astimezone(rt.rubric.zone).date())
    period = context.args[0].upper() if context.args else now
    if not rt.rubric.valid_period(period):
        await reply(update, "eval.err.period_example", example=now)
        return
    found = await as_person(update, context, lambda s, pid: results_for(s, rt.rubric, pid, period))
    if found is None:
        await reply(update, "bot.denied")
        return
    if not found:
        await reply(update, "evalbot.no_ratings", period=period)
        return
    lines = [t("evalbot.ratings_head", lang, period=period)] + [ratings.rating_line(r, lang) for r in found[:MAX_LINES]]
    await update.effective_message.reply_text("\n".join(lines))


def build_handler() -> CommandHandler:
    return CommandHandler("ratings", show)
