"""/checkins for secretaries and coordinators: checked in, pending, overdue and late — by compound and by work
unit — the late check-ins with their days late and the party organisation to tell, and each work unit's list of
overdue and late members as XLSX for its party organisation; reminders for unfinished check-ins."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from ...messages import t
from ...needs import queries
from ...outbox import notices
from ...org.permissions import ADMIN, bindings, can
from ...org.tree import breadcrumb
from ...party import checkin_report, checkins
from ..common import as_person, lang_of, last_number, runtime
from ..menu import deny
from ..sender import notice_channel, send_notices

CB = "cr:"
STATUSES = ("confirmed", "pending", "overdue")
EXPORT_BUTTONS = 8
LATE_LINES = 20


def _unit_for(session, person_id: int):
    """The outermost unit where the person may view check-ins."""
    units = [b.unit for b in bindings(session, person_id)
             if b.role == ADMIN or can(session, person_id, "view_checkins", b.unit)]
    return min(units, key=lambda u: len(u.path)) if units else None


def _counts(name: str, counts: dict[str, int], lang: str) -> str:
    text = t("digest.sep", lang).join(f"{t(f'checkin.status.{s}', lang)} {counts.get(s, 0)}" for s in STATUSES)
    late = t("checkinreport.late_count", lang, n=counts["late"]) if counts.get("late") else ""
    return t("checkinreport.line", lang, name=name, counts=text + late)


def _late_lines(rep, lang: str) -> list[str]:
    """The late check-ins, most days late first: deadline, day of the check-in, days late, whom to tell."""
    late = rep.late
    if not late:
        return []
    lines = [t("checkinreport.late_head", lang)] + [
        t("checkinreport.late_line", lang, name=r.name, work_unit=r.work_unit, compound=r.compound_name,
          deadline=r.deadline.isoformat(), submitted=r.submitted_on.isoformat(), days=r.days_late,
          org=r.work_unit_party_org or "—") for r in late[:LATE_LINES]]
    if len(late) > LATE_LINES:
        lines.append(t("digest.more", lang, n=len(late) - LATE_LINES))
    return lines


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkins: the report for my unit, the late check-ins, and a button per work unit with overdue or late
    members."""
    rt = runtime(context)
    lang = lang_of(update)
    today = rt.clock().astimezone(rt.policies.party.zone).date()

    def build(session, person_id):
        unit = _unit_for(session, person_id)
        if unit is None:
            return None
        return unit.id, breadcrumb(session, unit), checkin_report.report(session, rt.policies.party, unit.id, today)

    found = await as_person(update, context, build, read_only=True)
    if found is None:
        await deny(update, context, "view_checkins")
        return
    unit_id, path, rep = found
    lines = [t("checkinreport.head", lang, unit=path, today=today.isoformat())]
    lines += [t("checkinreport.by_compound", lang)] + [_counts(name, c, lang) for name, c in rep.by_compound.items()]
    lines += [t("checkinreport.by_work_unit", lang)] + [_counts(name, c, lang) for name, c in rep.by_work_unit.items()]
    lines += _late_lines(rep, lang)
    late_units = [name for name, c in rep.by_work_unit.items() if c["overdue"] or c["late"]][:EXPORT_BUTTONS]
    context.chat_data["checkin_export"] = {"unit_id": unit_id, "work_units": late_units}
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t("checkinreport.export", lang, work_unit=name),
                                                         callback_data=f"{CB}x:{i}")] for i, name in enumerate(late_units)])
    await update.effective_message.reply_text("\n".join(lines), reply_markup=markup if late_units else None)


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The overdue and late members of one work unit as an .xlsx file."""
    query = update.callback_query
    await query.answer()
    state = context.chat_data.get("checkin_export") or {}
    index = last_number(query.data)
    if index >= len(state.get("work_units", [])):
        return
    rt = runtime(context)
    lang = lang_of(update)
    work_unit = state["work_units"][index]
    today = rt.clock().astimezone(rt.policies.party.zone).date()

    def rows(session, person_id):
        if _unit_for(session, person_id) is None:
            return None
        lists = checkin_report.to_notify_by_work_unit(session, rt.policies.party, state["unit_id"], today)
        return lists.get(work_unit, [])

    found = await as_person(update, context, rows, read_only=True)
    if found is None:
        await deny(update, context, "view_checkins")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = await asyncio.to_thread(checkin_report.export_work_unit_xlsx, Path(tmp) / "late.xlsx", found,
                                      rt.policies.party.zone, lang)
        await update.effective_message.reply_document(path.read_bytes(),
                                                      filename=t("checkinreport.file", lang, work_unit=work_unit),
                                                      caption=t("checkinreport.export", lang, work_unit=work_unit))


async def remind_unfinished(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Members who started a check-in and left it are reminded once."""
    rt = runtime(context)

    def load():  # marked and queued in one transaction
        with rt.db.session() as session:
            views = checkins.unfinished(session, rt.clock() - rt.policies.party.reminder_delay)
            checkins.mark_reminded(session, [v.id for v in views], rt.clock())
            if (channel := notice_channel(rt)) is None:
                return []
            return notices.queue(session, "checkin:reminder", queries.accounts_for(session, [v.person_id for v in views]),
                                 lambda lang: t("checkinreport.reminder", lang), channel=channel, now=rt.clock())

    return await send_notices(context, await asyncio.to_thread(load))


def schedule(application: Application, interval_seconds: float) -> None:
    application.job_queue.run_repeating(remind_unfinished, interval=interval_seconds, first=interval_seconds,
                                        name="checkin_reminders")


def handlers() -> list:
    return [CommandHandler("checkins", report), CallbackQueryHandler(export, pattern=rf"^{CB}x:\d+$")]
