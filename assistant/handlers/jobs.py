"""Scheduled work: needs near a deadline warn their assignees (临期预警); overdue needs move one level up the
six-level chain, and their coordinators are told."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from ..needs import alerts
from ..storage import kv
from .common import runtime
from .durable import FORMS
from .sender import notice_channel, send_notices

log = logging.getLogger(__name__)
ESCALATION_JOB = "escalate_due"
PRUNE_JOB = "prune_processed_updates"


async def escalate(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Escalate every overdue need once, its notices queued with the move, and send them; returns how many moved."""
    rt = runtime(context)
    moved, ids = await asyncio.to_thread(alerts.run_escalation, rt.db, rt.policies.needs, rt.clock(),
                                         notice_channel(rt))
    await send_notices(context, ids)
    if moved:
        log.info("escalated %d overdue needs", moved)
    return moved


async def warn(context: ContextTypes.DEFAULT_TYPE) -> int:
    """临期预警: tell the assignees of every need near a deadline, once per deadline; returns how many."""
    rt = runtime(context)
    warned, ids = await asyncio.to_thread(alerts.run_warnings, rt.db, rt.policies.needs, rt.clock(),
                                          notice_channel(rt))
    await send_notices(context, ids)
    return warned


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
