"""/export: the needs of a unit's subtree filed in a period, with their full history, as an XLSX workbook
(phone and ID-card numbers in descriptions and notes masked, as on the card of anyone not handling the need)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..messages import t
from ..needs import pii
from ..storage.models import Need, NeedEvent, OrgUnit, Person
from .context import period_bounds, scope_of
from .render import category_label

NEED_COLUMNS = ("ticket", "category", "status", "urgency", "compound", "building", "level_unit", "description", "party",
                "created", "accept_due", "accepted", "resolve_due", "resolved")
EVENT_COLUMNS = ("ticket", "at", "event", "actor", "note")
BATCH = 1000


def export_needs_xlsx(session, unit_id: int, period_key: str, now, needs_policy, path: str | Path,
                      lang: str | None = None, max_rows: int = 50000) -> tuple[Path, int, bool]:
    """Write the workbook; returns (path, needs written, truncated). Times are shown in the policy's zone."""
    from openpyxl import Workbook

    zone = needs_policy.zone
    scope = scope_of(session, unit_id)
    period = period_bounds(period_key, now, zone)
    when = lambda v: v.astimezone(zone).strftime("%Y-%m-%d %H:%M") if v else ""
    compound, building, level = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    query = (select(Need, compound.name, building.name, level.name)
             .join(compound, compound.id == Need.compound_id).outerjoin(building, building.id == Need.building_id)
             .join(level, level.id == Need.level_unit_id)
             .where(Need.created_at >= period.start, Need.created_at < min(period.end, now))
             .order_by(Need.created_at.desc(), Need.id.desc()).limit(max_rows + 1))
    if (condition := scope.where()) is not None:
        query = query.where(condition)
    book = Workbook(write_only=True)
    needs_sheet = book.create_sheet(t("digest.xlsx.needs", lang))
    events_sheet = book.create_sheet(t("digest.xlsx.events", lang))
    needs_sheet.append([t(f"digest.xlsx.{c}", lang) for c in NEED_COLUMNS])
    events_sheet.append([t(f"digest.xlsx.{c}", lang) for c in EVENT_COLUMNS])
    rows = session.execute(query).all()
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    tickets = {}
    for need, compound_name, building_name, level_name in rows:
        tickets[need.id] = need.ticket
        needs_sheet.append([
            need.ticket, category_label(needs_policy, need.category, lang), t(f"need.status.{need.status}", lang),
            t(f"need.urgency.{need.urgency}", lang), compound_name, building_name or "", level_name, pii.mask(need.description),
            need.responsible_party or "", when(need.created_at), when(need.accept_due_at), when(need.accepted_at),
            when(need.resolve_due_at), when(need.resolved_at)])
    ids = list(tickets)
    for i in range(0, len(ids), BATCH):
        events = session.execute(select(NeedEvent, Person.name).outerjoin(Person, Person.id == NeedEvent.actor_id)
                                 .where(NeedEvent.need_id.in_(ids[i:i + BATCH])).order_by(NeedEvent.need_id, NeedEvent.at,
                                                                                         NeedEvent.id))
        for event, actor in events:
            data = dict(event.data or {})
            label = t(f"need.event.{event.kind}", lang, party=data.get("party", ""), unit=data.get("unit", ""))
            events_sheet.append([tickets[event.need_id], when(event.at), label, actor or "", pii.mask(event.note)])
    path = Path(path)
    book.save(path)
    return path, len(rows), truncated
