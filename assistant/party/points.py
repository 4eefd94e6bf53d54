"""党员服务积分 (clause 7): an append-only ledger, member summaries, monthly leaderboards, quarter titles.

Points are recorded by building leaders and branch officers of the member's compound (their current residence,
see checkins.current_checkin). A ledger row is never edited: `correct` adds a negative row that points at the
row it undoes, dated like it (so the month it counted in is corrected). Ranks are competition ranks (1, 1, 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import DomainError, Invalid, NotAllowed, NotFound, load, now_or
from ..org.people import name_of
from ..org.permissions import ACTIONS, ADMIN, bindings
from ..policy.loader import PartyPolicy
from ..storage.models import OrgUnit, Person, PointEntry
from .checkins import check_date, current_checkin, local_date

NOTE_MAX = 500


@dataclass(frozen=True)
class EntryView:
    """One ledger row."""

    id: int
    person_id: int
    unit_id: int
    activity: str
    points: int
    on_date: date
    note: str | None
    corrects_id: int | None
    recorded_by: int
    recorded_at: datetime

    @classmethod
    def of(cls, e: PointEntry) -> EntryView:
        return cls(e.id, e.person_id, e.unit_id, e.activity, e.points, e.on_date, e.note, e.corrects_id,
                   e.recorded_by, e.recorded_at)


class PointsSummary(NamedTuple):
    """(total in all branches, this month, rank in the current branch — None without a confirmed check-in)."""

    total: int
    this_month: int
    rank_in_branch: int | None


@dataclass(frozen=True)
class Standing:
    """A row of a leaderboard or a quarter's titles."""

    rank: int
    person_id: int
    name: str
    points: int


def may_record(session: Session, recorder_id: int, compound: OrgUnit) -> bool:
    """A record_points role bound at the compound or at one of its buildings (or admin)."""
    allowed = ACTIONS["record_points"]
    return any(b.role == ADMIN or (b.role in allowed and b.unit.path.startswith(compound.path))
               for b in bindings(session, recorder_id))



@dataclass(frozen=True)
class MemberLedger:
    """A member as a recorder sees them: the name and the rows still open to correction, oldest first."""

    name: str
    open_entries: tuple[EntryView, ...]


def ledger_for(session: Session, recorder_id: int, person_id: int) -> MemberLedger:
    """The member's ledger for a recorder who may record for the member's branch (DomainError, NotAllowed)."""
    checkin = current_checkin(session, person_id)
    if checkin is None:
        raise DomainError("points.err.no_branch")
    if not may_record(session, recorder_id, checkin.compound):
        raise NotAllowed("points.err.not_allowed")
    history = entries(session, person_id)
    corrected = {e.corrects_id for e in history if e.corrects_id}
    return MemberLedger(name_of(session, person_id),
                        tuple(e for e in history if e.corrects_id is None and e.id not in corrected))


def _member_compound(session: Session, person_id: int) -> OrgUnit:
    load(session, Person, person_id, "points.err.person_not_found")
    checkin = current_checkin(session, person_id)
    if checkin is None:
        raise DomainError("points.err.no_branch")
    return checkin.compound


def record_points(session: Session, policy: PartyPolicy, recorder_id: int, person_id: int, activity: str,
                  on_date: date, note: str | None = None, now: datetime | None = None) -> EntryView:
    """Add the activity's points for the member on `on_date` (not in the future, not before 1921-07-01)."""
    now = now_or(now)
    compound = _member_compound(session, person_id)
    if not may_record(session, recorder_id, compound):
        raise NotAllowed("points.err.not_allowed")
    errors: list[tuple[str, str]] = []
    found = policy.activity(activity)
    if found is None:
        errors.append(("activity", "points.err.activity"))
    check_date(policy, on_date, "on_date", local_date(policy, now), errors)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors.append(("note", "points.err.note_long"))
    if errors:
        raise Invalid(errors)
    entry = PointEntry(person_id=person_id, unit_id=compound.id, activity=activity, points=found.points,
                       on_date=on_date, note=note, recorded_by=recorder_id, recorded_at=now)
    session.add(entry)
    session.flush()
    return EntryView.of(entry)


def correct(session: Session, entry_id: int, recorder_id: int, note: str, now: datetime | None = None) -> EntryView:
    """Undo a ledger row with a new row of the opposite points (a row is corrected at most once)."""
    now = now_or(now)
    entry = session.get(PointEntry, entry_id)
    if entry is None:
        raise NotFound("points.err.not_found", id=entry_id)
    if not may_record(session, recorder_id, session.get(OrgUnit, entry.unit_id)):
        raise NotAllowed("points.err.not_allowed")
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid([("note", "points.err.note_required")])
    already = session.scalars(select(PointEntry.id).where(PointEntry.corrects_id == entry.id)).first()
    if entry.corrects_id is not None or already is not None:
        raise DomainError("points.err.already_corrected", id=entry_id)
    fix = PointEntry(person_id=entry.person_id, unit_id=entry.unit_id, activity=entry.activity,
                     points=-entry.points, on_date=entry.on_date, note=note, corrects_id=entry.id,
                     recorded_by=recorder_id, recorded_at=now)
    session.add(fix)
    session.flush()
    return EntryView.of(fix)


def entries(session: Session, person_id: int) -> list[EntryView]:
    """The member's ledger, oldest first."""
    query = select(PointEntry).where(PointEntry.person_id == person_id).order_by(PointEntry.on_date, PointEntry.id)
    return [EntryView.of(e) for e in session.scalars(query)]


def _standings(session: Session, compound_id: int, start: date | None = None, end: date | None = None
               ) -> list[Standing]:
    total = func.sum(PointEntry.points)
    query = (select(PointEntry.person_id, Person.name, total).join(Person, Person.id == PointEntry.person_id)
             .where(PointEntry.unit_id == compound_id).group_by(PointEntry.person_id, Person.name))
    if start is not None:
        query = query.where(PointEntry.on_date >= start, PointEntry.on_date < end)
    rows = sorted(((int(p or 0), name, pid) for pid, name, p in session.execute(query)),
                  key=lambda r: (-r[0], r[1], r[2]))
    result: list[Standing] = []
    for i, (points, name, pid) in enumerate(rows):
        rank = result[-1].rank if result and result[-1].points == points else i + 1
        result.append(Standing(rank, pid, name, points))
    return result


def _month(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, (date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1))


def summary(session: Session, person_id: int, today: date) -> PointsSummary:
    """Total, this month (Shanghai calendar month of `today`) and rank in the member's current branch."""
    load(session, Person, person_id, "points.err.person_not_found")
    start, end = _month(today)
    mine = select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.person_id == person_id)
    total = int(session.scalar(mine))
    month = int(session.scalar(mine.where(PointEntry.on_date >= start, PointEntry.on_date < end)))
    checkin = current_checkin(session, person_id)
    rank = None
    if checkin is not None:
        board = _standings(session, checkin.compound_id)
        mine_total = next((s.points for s in board if s.person_id == person_id), 0)
        rank = 1 + sum(1 for s in board if s.points > mine_total)
    return PointsSummary(total, month, rank)


def leaderboard(session: Session, compound_id: int, month: date) -> list[Standing]:
    """The branch's standings for the calendar month containing `month`."""
    return _standings(session, compound_id, *_month(month))


def quarter_titles(session: Session, policy: PartyPolicy, compound_id: int, quarter: date) -> list[Standing]:
    """Members earning the quarter title (党员先锋岗): rank ≤ top_n with positive points, ties at N included."""
    first = date(quarter.year, 3 * ((quarter.month - 1) // 3) + 1, 1)
    end = date(first.year + 1, 1, 1) if first.month == 10 else date(first.year, first.month + 3, 1)
    return [s for s in _standings(session, compound_id, first, end) if s.rank <= policy.title_top_n and s.points > 0]
