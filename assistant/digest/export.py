"""/export: the needs of a unit's subtree filed in a period, with their full history (routing and escalation
targets, return-visit answers), as an XLSX workbook fit to hand to the bureau (see workbook.py). Phone and
ID-card numbers in descriptions and notes are masked, as on the card of anyone not handling the need."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..messages import t
from ..needs import pii
from ..needs.views import OPEN_STATUSES, WAITING_ACCEPT, event_text
from ..org.people import shown_name
from ..storage.models import Need, NeedEvent, OrgUnit, Person, ReturnVisit
from ..workbook import DATETIME, LONG_TEXT, NUMBER, TEXT, Book, Column, title_line
from .context import period_bounds, scope_of
from .render import category_label

NEED_COLUMNS = (("ticket", None), ("category", None), ("status", None), ("urgency", None), ("compound", None),
                ("building", None), ("entrance", NUMBER), ("level_unit", None), ("description", LONG_TEXT), ("party", None),
                ("created", DATETIME), ("accept_due", DATETIME), ("accepted", DATETIME), ("resolve_due", DATETIME),
                ("resolved", DATETIME), ("overdue", None), ("escalations", NUMBER), ("visit_at", DATETIME),
                ("visit_contacted", None), ("visit_solved", None), ("satisfaction", None), ("closed", DATETIME))
EVENT_COLUMNS = (("ticket", None), ("at", DATETIME), ("event", LONG_TEXT), ("actor", None))
BATCH = 1000


def _columns(spec, lang: str | None) -> list[Column]:
    return [Column(t(f"digest.xlsx.{name}", lang), kind or TEXT) for name, kind in spec]


def overdue(need: Need, now) -> str | None:
    """"accept", "resolve", "both" or None: whether the need was (or, still open, is by now) past a deadline."""
    accepted = need.accepted_at or (now if need.status in WAITING_ACCEPT else None)
    resolved = need.resolved_at or (now if need.status in OPEN_STATUSES else None)
    late = [kind for kind, at, due in (("accept", accepted, need.accept_due_at), ("resolve", resolved, need.resolve_due_at))
            if at is not None and due is not None and at > due]
    return "both" if len(late) == 2 else late[0] if late else None


def export_needs_xlsx(session, unit_id: int, period_key: str, now, needs_policy, path: str | Path,
                      lang: str | None = None, max_rows: int = 50000) -> tuple[Path, int, bool]:
    """Write the workbook; returns (path, needs written, truncated). Times are shown in the policy's zone."""
    zone = needs_policy.zone
    scope = scope_of(session, unit_id)
    period = period_bounds(period_key, now, zone)
    compound, building, level = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    query = (select(Need, compound.name, building.name, level.name)
             .join(compound, compound.id == Need.compound_id).outerjoin(building, building.id == Need.building_id)
             .join(level, level.id == Need.level_unit_id)
             .where(Need.created_at >= period.start, Need.created_at < min(period.end, now))
             .order_by(Need.created_at.desc(), Need.id.desc()).limit(max_rows + 1))
    if (condition := scope.where()) is not None:
        query = query.where(condition)
    rows = session.execute(query).all()
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    events: list[list] = []
    visits: dict[int, ReturnVisit] = {}
    escalations: dict[int, int] = {}
    tickets = {need.id: need.ticket for need, *_ in rows}
    ids = list(tickets)
    for i in range(0, len(ids), BATCH):
        batch = ids[i:i + BATCH]
        for event, actor in session.execute(
                select(NeedEvent, Person.name).outerjoin(Person, Person.id == NeedEvent.actor_id)
                .where(NeedEvent.need_id.in_(batch)).order_by(NeedEvent.need_id, NeedEvent.at, NeedEvent.id)):
            events.append([tickets[event.need_id], event.at, pii.mask(event_text(event.kind, event.data, event.note, lang)),
                           shown_name(actor, lang) or t("needcard.system", lang)])
            if event.kind == "escalated":
                escalations[event.need_id] = escalations.get(event.need_id, 0) + 1
        for visit in session.scalars(select(ReturnVisit).where(ReturnVisit.need_id.in_(batch))
                                     .order_by(ReturnVisit.at, ReturnVisit.id)):
            visits[visit.need_id] = visit  # the latest one wins
    yes_no = lambda v: "" if v is None else t("need.yes" if v else "need.no", lang)

    def need_rows():
        for need, compound_name, building_name, level_name in rows:
            visit, late = visits.get(need.id), overdue(need, now)
            yield [need.ticket, category_label(needs_policy, need.category, lang), t(f"need.status.{need.status}", lang),
                   t(f"need.urgency.{need.urgency}", lang), compound_name, building_name or "", need.entrance, level_name,
                   pii.mask(need.description), need.responsible_party or "", need.created_at, need.accept_due_at, need.accepted_at,
                   need.resolve_due_at, need.resolved_at, t(f"digest.xlsx.overdue.{late}" if late else "need.no", lang),
                   escalations.get(need.id, 0), visit.at if visit else None, yes_no(visit and visit.contacted),
                   yes_no(visit and visit.solved),
                   t(f"need.satisfaction.{visit.satisfaction}", lang) if visit and visit.satisfaction else "",
                   need.closed_at]

    title = title_line(lang, now, zone, t("digest.xlsx.title", lang), scope.breadcrumb, period.label(zone, lang))
    book = Book(zone)
    book.sheet(t("digest.xlsx.needs", lang), title, _columns(NEED_COLUMNS, lang), need_rows())
    book.sheet(t("digest.xlsx.events", lang), title, _columns(EVENT_COLUMNS, lang), events)
    return book.save(path), len(rows), truncated
