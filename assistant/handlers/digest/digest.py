"""Coordinator digests: /digest, /export, /digest_off, /digest_on, /digest_help, and the scheduled job that
turns due schedule slots into outbox rows and sends them (handlers/sender.py: retries, resumes where a send
stopped)."""
from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from ...digest import build as digest_build
from ...digest import context as digests
from ...digest import outbox
from ...digest.export import export_needs_xlsx
from ...errors import Invalid
from ...llm.narrative import narrator
from ...messages import t, zone_name
from ...textlimits import split
from .. import sender
from ..common import as_person, lang_of, reply, runtime
from ..menu import deny

log = logging.getLogger(__name__)
DIGEST_JOB = "digest_tick"


LAST_PERIOD = "digest_period"  # user_data: the period of the user's last /digest, /export's default


async def _period(update: Update, context: ContextTypes.DEFAULT_TYPE, default: str | None = None) -> str | None:
    """The period asked for ("本月", "2026-11-01..2026-11-30" or two dates), or None after telling the user it
    is not one."""
    args = context.args or []
    try:
        period = digests.parse_period(args[0] if args else default, args[1] if len(args) > 1 else None)
    except Invalid as err:
        await update.effective_message.reply_text(err.message(lang_of(update)))
        return None
    if context.user_data is not None:
        context.user_data[LAST_PERIOD] = period
    return period


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest [period]: the digest of my unit and its subtree, with a chart (periods: /digest_help)."""
    rt, lang = runtime(context), lang_of(update)
    if (period := await _period(update, context)) is None:
        return

    def build(session, person_id):
        unit = outbox.digest_unit(session, person_id)
        if unit is None:
            return None
        d = digest_build.build(session, unit.id, period, rt.clock(), rt.policies,
                          top_n=rt.settings.digest_top_n, hotspot_min=rt.settings.digest_hotspot_min)
        caption = t("digest.caption", lang, unit=d.unit_name, period=d.period.label(d.zone, lang))
        story = digest_build.narrative(d, lang, narrator(rt.llm, rt.settings.llm_timeout))
        from ...digest.charts import digest_png  # matplotlib loads with the first chart (digest/outbox.py)

        return (split(digest_build.render(d, lang, rt.policies.needs, story)),
                digest_png(d, lang, rt.policies.needs, rt.settings.digest_font_file), caption)

    found = await as_person(update, context, build, read_only=True)
    if found is None:
        await deny(update, context, "view_reports")
        return
    chunks, png, caption = found
    for chunk in chunks:
        await update.effective_message.reply_text(chunk)
    if png is not None:
        await update.effective_message.reply_photo(png, caption=caption)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [period]: my unit's needs of the period with their history, as an Excel file (without a period:
    the one of my last /digest)."""
    rt, lang = runtime(context), lang_of(update)
    if (period := await _period(update, context, (context.user_data or {}).get(LAST_PERIOD))) is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        def write(session, person_id):
            unit = outbox.digest_unit(session, person_id)
            if unit is None:
                return None
            path, n, truncated = export_needs_xlsx(session, unit.id, period, rt.clock(), rt.policies.needs,
                                                   Path(tmp) / "needs.xlsx", lang, rt.settings.digest_export_max_rows)
            bounds = digests.period_bounds(period, rt.clock(), rt.policies.needs.zone)
            return path, unit.name, bounds, n, truncated

        found = await as_person(update, context, write, read_only=True)
        if found is None:
            await deny(update, context, "view_reports")
            return
        path, unit_name, bounds, n, truncated = found
        caption = t("digest.export.caption", lang, unit=unit_name, period=bounds.label(rt.policies.needs.zone, lang))
        if truncated:
            caption += t("digest.export.truncated", lang, n=n)
        days = dict.fromkeys((bounds.days[0].isoformat(), bounds.days[-1].isoformat()))  # local days, not "week"
        await update.effective_message.reply_document(path.read_bytes(), filename=f"{unit_name}-{'_'.join(days)}.xlsx",
                                                      caption=caption)


async def digest_off(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest_off: no more scheduled digests for me (/digest still works)."""
    await _switch(update, context, False)


async def digest_on(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest_on: scheduled digests again."""
    await _switch(update, context, True)


async def _switch(update: Update, context: ContextTypes.DEFAULT_TYPE, enabled: bool) -> None:
    done = await as_person(update, context, lambda s, pid: outbox.set_enabled(s, pid, enabled) or True)
    await reply(update, ("digest.on" if enabled else "digest.off") if done else "bot.denied")


async def digest_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest_help: the commands, the schedule and how the three rates are computed."""
    rt, lang = runtime(context), lang_of(update)
    s = rt.settings
    days = t("digest.sep", lang).join(t(f"digest.weekday.{d}", lang) for d in s.digest_weekly_days)
    await reply(update, "digest.help", daily=s.digest_daily_at.strftime("%H:%M"), days=days,
                weekly=s.digest_weekly_at.strftime("%H:%M"), hotspot=s.digest_hotspot_min,
                zone=zone_name(rt.policies.needs.zone, lang))


async def tick(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Queue the digests of every due schedule slot (once each), then send what the outbox holds."""
    rt = runtime(context)
    now = rt.clock()

    def queue() -> int:
        with rt.db.session() as session:
            slots = outbox.due_slots(rt.settings, now, rt.policies.needs.zone, outbox.started_at(session, now))
        queued = 0
        for slot in slots:  # built in a read-only session (minutes for a district), stored in a short write
            with rt.db.session(read_only=True) as session:
                built = outbox.build_slot(session, slot, now, rt.settings, rt.policies, rt.channel,
                                          narrator(rt.llm, rt.settings.llm_timeout))
            if built is not None:
                with rt.db.session() as session:
                    queued += outbox.store_slot(session, slot, built, now)
        return queued

    queued = await asyncio.to_thread(queue)
    if queued:
        log.info("queued %d scheduled digests", queued)
    return await sender.send_digests(context)


def schedule(application: Application, interval_seconds: float) -> None:
    """Check due digest slots and the outbox every `interval_seconds` (and once at start-up)."""
    application.job_queue.run_repeating(tick, interval=interval_seconds, first=min(5.0, interval_seconds),
                                        name=DIGEST_JOB)


def handlers() -> list:
    return [CommandHandler("digest", digest_command), CommandHandler("export", export_command),
            CommandHandler("digest_off", digest_off), CommandHandler("digest_on", digest_on),
            CommandHandler("digest_help", digest_help)]
