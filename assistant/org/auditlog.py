"""Reading the audit trail back: events by unit subtree and time, as plain views."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import t
from ..storage.models import AuditEvent, OrgUnit, Person, utcnow
from ..workbook import DATETIME, LONG_TEXT, TEXT, Book, Column, title_line
from .people import shown_name
from .tree import breadcrumb

@dataclass(frozen=True)
class AuditView:
    """An event as plain values (actor_name None = the command line; unit_path "" = no unit)."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    unit_id: int | None
    unit_path: str
    subject: str
    before: Any
    after: Any


def events(session: Session, unit_id: int | None = None, since: datetime | None = None,
           limit: int | None = None) -> list[AuditView]:
    """Events in the order they were written; with `unit_id` only those at that unit or below it, with `since` only from then on."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if unit_id is not None:
        unit = session.get(OrgUnit, unit_id)
        query = query.join(OrgUnit, OrgUnit.id == AuditEvent.unit_id).where(
            OrgUnit.path.startswith(unit.path, autoescape=True))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if limit is not None:
        query = query.limit(limit)
    units: dict[int, str] = {}
    found = []
    for event in session.scalars(query):
        if event.unit_id is not None and event.unit_id not in units:
            units[event.unit_id] = breadcrumb(session, session.get(OrgUnit, event.unit_id))
        actor = session.get(Person, event.actor_id) if event.actor_id else None
        found.append(AuditView(event.id, event.at, event.actor_id, actor.name if actor else None, event.action,
                               event.unit_id, units.get(event.unit_id, ""), event.subject, event.before, event.after))
    return found


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def write_xlsx(found: list[AuditView], path: str | Path, zone: ZoneInfo, lang: str | None = None,
               unit_name: str | None = None, since: datetime | None = None, now: datetime | None = None) -> Path:
    """The events as one titled sheet (workbook.Book: frozen bold header, filter, real dates, print setup), its
    times in `zone` (the deployment's: the needs policy's)."""
    period = t("audit.since", lang, since=since.astimezone(zone).strftime("%Y-%m-%d %H:%M")) if since else None
    title = title_line(lang, now or utcnow(), zone, t("audit.title", lang),
                       unit_name or t("audit.all_units", lang), period)
    columns = [Column(t("audit.col.at", lang), DATETIME), Column(t("audit.col.actor", lang)),
               Column(t("audit.col.action", lang)), Column(t("audit.col.subject", lang), TEXT, 18),
               Column(t("audit.col.unit", lang), TEXT, 30), Column(t("audit.col.before", lang), LONG_TEXT),
               Column(t("audit.col.after", lang), LONG_TEXT)]
    rows = ([e.at, shown_name(e.actor_name, lang) or t("audit.cli", lang), t(f"audit.action.{e.action}", lang),
             shown_name(e.subject, lang),
             e.unit_path, _json(e.before), _json(e.after)] for e in found)
    book = Book(zone)
    book.sheet(t("audit.sheet", lang), title, columns, rows)
    return book.save(path)
