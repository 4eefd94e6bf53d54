"""The check-in report (党员报到, clause 5): checked in, pending, overdue and late members by compound and by work
unit, the lists each work unit's party organisation is to get, and their XLSX."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..errors import Invalid, load
from ..messages import t
from ..org.people import mask_phone
from ..policy.loader import PartyPolicy
from ..storage.models import CheckIn, OrgUnit, Person, RoleBinding, utcnow
from ..workbook import DATE, NUMBER, TEXT, Book, Column, title_line
from .checkins import deadline_for, lateness, local_date


@dataclass(frozen=True)
class CheckinRow:
    """One member in a check-in report: status confirmed, pending, overdue or not_due; `late` when the
    check-in was submitted after the deadline; `days_late`: the days past the deadline of a late check-in (at
    submission) or of an overdue member (today), else None."""

    person_id: int
    name: str
    phone_masked: str
    compound_id: int
    compound_name: str
    building_name: str | None
    work_unit: str
    work_unit_party_org: str | None
    work_unit_contact: str | None
    status: str
    deadline: date | None
    late: bool
    days_late: int | None = None
    submitted_on: date | None = None

    @property
    def to_notify(self) -> bool:
        """Past the deadline and not checked in, or checked in after it: the work unit's party organisation is
        to be told."""
        return self.status == "overdue" or self.late


COUNTED = ("confirmed", "pending", "overdue", "late")


@dataclass(frozen=True)
class CheckinReport:
    """Counts per compound and per work unit ({"confirmed", "pending", "overdue", "late"} -> n; the late
    check-ins are also counted as confirmed or pending) and the rows."""

    unit_id: int
    today: date
    rows: tuple[CheckinRow, ...]
    by_compound: dict[str, dict[str, int]]
    by_work_unit: dict[str, dict[str, int]]

    @property
    def late(self) -> tuple[CheckinRow, ...]:
        """The late check-ins, most days late first."""
        return tuple(sorted((r for r in self.rows if r.late), key=lambda r: (-r.days_late, r.name, r.person_id)))


def _row(policy: PartyPolicy, today: date, person: Person, compound: OrgUnit, c: CheckIn | None) -> CheckinRow:
    in_service = c.in_service if c else bool(person.work_unit)
    deadline = deadline_for(policy, in_service, c.moved_on if c else None, person.created_at)
    status = c.status if c is not None and c.status in ("confirmed", "pending") else (
        "overdue" if deadline is not None and today > deadline else "not_due")
    checked_in = c is not None and status in ("confirmed", "pending")
    late = lateness(policy, in_service, c.moved_on, c.submitted_at, c.flow_in, person.created_at) if checked_in else None
    days_late = late.days if late else (today - deadline).days if status == "overdue" else None
    submitted_on = local_date(policy, c.submitted_at) if checked_in and c.submitted_at else None
    return CheckinRow(person.id, person.name, mask_phone(c.phone if c and c.phone else person.phone), compound.id,
                      compound.name, c.building.name if c and c.building else None,
                      (c.work_unit if c else None) or person.work_unit or "", c.work_unit_party_org if c else None,
                      c.work_unit_contact if c else None, status, deadline, late is not None, days_late,
                      submitted_on)


def _rows(session: Session, policy: PartyPolicy, unit: OrgUnit, today: date) -> list[CheckinRow]:
    """One row per party member living at or below the unit: their latest check-in (if it is in the
    subtree), or no check-in at all for members bound at or below a compound. Three queries in all."""
    in_scope = OrgUnit.path.startswith(unit.path, autoescape=True)
    compounds = {u.id: u for u in session.scalars(select(OrgUnit).where(in_scope, OrgUnit.level == "compound"))}
    counted = or_(CheckIn.status != "started", CheckIn.compound_id.is_not(None))
    latest = select(func.max(CheckIn.id)).where(counted).group_by(CheckIn.person_id)
    checkins = session.scalars(
        select(CheckIn).join(OrgUnit, OrgUnit.id == CheckIn.compound_id).where(in_scope, CheckIn.id.in_(latest))
        .options(joinedload(CheckIn.person), joinedload(CheckIn.building)))
    rows = [_row(policy, today, c.person, compounds[c.compound_id], c) for c in checkins]
    never = session.execute(
        select(Person, OrgUnit.path).select_from(RoleBinding).join(Person, Person.id == RoleBinding.person_id)
        .join(OrgUnit, OrgUnit.id == RoleBinding.unit_id)
        .where(in_scope, OrgUnit.level.in_(("compound", "building", "household")), Person.party_member.is_(True),
               ~exists().where(CheckIn.person_id == Person.id, counted))
        .order_by(RoleBinding.id))
    seen: set[int] = set()
    for person, path in never:
        if person.id not in seen:
            seen.add(person.id)
            compound = next(compounds[int(i)] for i in path.strip("/").split("/") if int(i) in compounds)
            rows.append(_row(policy, today, person, compound, None))
    return sorted(rows, key=lambda r: (r.compound_name, r.status, r.name, r.person_id))


def report(session: Session, policy: PartyPolicy, unit_id: int, today: date) -> CheckinReport:
    """Checked in, pending, overdue and late members at or below the unit, grouped by compound and work unit."""
    unit = load(session, OrgUnit, unit_id, "checkin.err.unit_not_found")
    if unit.level in ("building", "household"):
        raise Invalid([("unit_id", "checkin.err.unit_level")])
    rows = _rows(session, policy, unit, today)
    by_compound: dict[str, dict[str, int]] = {}
    by_work_unit: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.status == "not_due":
            continue
        for groups, key in ((by_compound, row.compound_name), (by_work_unit, row.work_unit)):
            counts = groups.setdefault(key, dict.fromkeys(COUNTED, 0))
            counts[row.status] += 1
            counts["late"] += row.late
    return CheckinReport(unit.id, today, tuple(rows), by_compound, by_work_unit)


def to_notify_by_work_unit(session: Session, policy: PartyPolicy, unit_id: int, today: date
                           ) -> dict[str, list[CheckinRow]]:
    """Work unit -> its members at or below the unit whose party organisation is to be told: past their
    deadline and not checked in (overdue), or checked in after it (late)."""
    result: dict[str, list[CheckinRow]] = {}
    for row in report(session, policy, unit_id, today).rows:
        if row.to_notify:
            result.setdefault(row.work_unit, []).append(row)
    return dict(sorted(result.items()))


def export_work_unit_xlsx(path: str | Path, rows: list[CheckinRow], zone: ZoneInfo, lang: str | None = None, *,
                          place: str | None = None, now: datetime | None = None) -> Path:
    """Write overdue and late members (a work unit's list for its party organisation, or a unit's) as a titled
    sheet (workbook.Book: bold frozen header, filter, real dates, print setup); `place` names the list in the
    title (default: the rows' one work unit); its dates are in `zone` (the party policy's). Returns the path."""
    work_units = {r.work_unit for r in rows}
    place = place or (next(iter(work_units)) if len(work_units) == 1 else None)
    title = title_line(lang, now or utcnow(), zone, t("checkin.xlsx.sheet", lang), place)
    columns = [Column(t("checkin.xlsx.name", lang)), Column(t("checkin.xlsx.phone", lang), TEXT, 13),
               Column(t("checkin.xlsx.work_unit", lang), TEXT, 20), Column(t("checkin.xlsx.party_org", lang), TEXT, 20),
               Column(t("checkin.xlsx.contact", lang), TEXT, 16), Column(t("checkin.xlsx.compound", lang)),
               Column(t("checkin.xlsx.building", lang), TEXT, 8), Column(t("checkin.xlsx.status", lang)),
               Column(t("checkin.xlsx.deadline", lang), DATE), Column(t("checkin.xlsx.submitted", lang), DATE),
               Column(t("checkin.xlsx.days_late", lang), NUMBER)]
    lines = ([r.name, r.phone_masked, r.work_unit, r.work_unit_party_org, r.work_unit_contact, r.compound_name,
              r.building_name, t("checkin.status.late" if r.late else f"checkin.status.{r.status}", lang), r.deadline,
              r.submitted_on, r.days_late] for r in rows)
    book = Book(zone)
    book.sheet(t("checkin.xlsx.sheet", lang), title, columns, lines)
    return book.save(path)
