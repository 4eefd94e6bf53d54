"""Scheduled work: needs near a deadline warn their assignees (临期预警); overdue needs move one level up the
six-level chain, and their coordinators are told."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from ..messages import t
from ..needs import escalation
from ..storage import kv
from .common import runtime
from .durable import FORMS
from .notify import send_to

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ESCALATION_JOB = "escalate_due"
PRUNE_JOB = "prune_processed_updates"


async def escalate(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Escalate every overdue need once and notify; returns how many moved."""
    rt = runtime(context)
    moved = await asyncio.to_thread(escalation.run_escalation, rt.db, rt.policies.needs, rt.clock())
    for e, recipients in moved:
        def render(lang: str, e=e) -> str:
            return t("escalation.notice", lang, ticket=e.need.ticket, deadline=t(f"need.deadline.{e.deadline_kind}", lang),
                     due=e.deadline_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M"), from_unit=e.from_unit_name,
                     to_unit=e.to_unit_name) + "\n" + t("needcard.open_hint", lang, id=e.need.id)

        await send_to(context, recipients, render)
    if moved:
        log.info("escalated %d overdue needs", len(moved))
    return len(moved)


async def warn(context: ContextTypes.DEFAULT_TYPE) -> int:
    """临期预警: tell the assignees of every need near a deadline, once per deadline; returns how many."""
    rt = runtime(context)

    def run():
        with rt.db.session() as session:
            return escalation.warn_due(session, rt.policies.needs, rt.clock())

    warnings = await asyncio.to_thread(run)
    for w in warnings:
        def render(lang: str, w=w) -> str:
            left = max(0, int((w.due - rt.clock()).total_seconds() // 60))
            return t("deadline.warning", lang, ticket=w.need.ticket, deadline=t(f"need.deadline.{w.kind}", lang),
                     due=w.due.astimezone(SHANGHAI).strftime("%m-%d %H:%M"), hours=left // 60, minutes=left % 60,
                     description=w.need.description[:60]) + "\n" + t("needcard.open_hint", lang, id=w.need.id)

        await send_to(context, list(w.recipients), render)
    return len(warnings)


async def deadlines(context: ContextTypes.DEFAULT_TYPE) -> int:
    """The periodic deadline job: 临期预警 first, then escalation of what is overdue."""
    await warn(context)
    return await escalate(context)


async def prune_processed(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Forget handled update ids and submitted forms older than the retention window; returns how many rows went."""
    rt = runtime(context)
    before = rt.clock() - timedelta(hours=rt.settings.processed_update_retention_hours)

    def run():
        with rt.db.session() as session:
            return kv.prune_processed(session, before) + kv.prune(session, FORMS, before)

    return await asyncio.to_thread(run)


def schedule(application: Application, interval_seconds: float) -> None:
    """Run the escalation every `interval_seconds` (and once at start-up for anything missed while down);
    prune the duplicate-update memory hourly."""
    application.job_queue.run_repeating(deadlines, interval=interval_seconds, first=0, name=ESCALATION_JOB)
    application.job_queue.run_repeating(prune_processed, interval=3600, first=60, name=PRUNE_JOB)
