"""党员报到 (clause 5): start, submit and decide check-ins, deadlines and lateness, rosters and reminders (the
report by compound and work unit is checkin_report.py).

A person's current residence is their latest confirmed check-in; the roster of a compound is everyone whose
current residence is there (flow-in members registered by the community included). Party dates are
Asia/Shanghai calendar dates (the policy's zone). Errors are the kernel's (assistant/errors.py).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, InvalidTransition, NotAllowed, load, now_or
from ..messages import t
from ..org.people import create_person, mask_phone, normalise_phone
from ..org.permissions import UnitRef, bindings, can
from ..policy.loader import PartyPolicy
from ..storage.models import CheckIn, OrgUnit, Person, RoleBinding

TEXT_MAX = 200
_PHONE = re.compile(r"^(\+?86)?1\d{10}$|^0\d{2,3}\d{7,8}$")


def local_date(policy: PartyPolicy, when: date | datetime) -> date:
    """The calendar date in the policy's zone (an aware datetime is converted; a date is kept)."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError(f"naive datetime {when!r}: pass timezone-aware times")
        return when.astimezone(policy.zone).date()
    return when


def add_months(day: date, months: int) -> date:
    """Calendar months: 2024-01-31 + 1 = 2024-02-29 (the day is clipped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def deadline_for(policy: PartyPolicy, in_service: bool, moved_on: date | datetime | None = None,
                 known_since: date | datetime | None = None) -> date | None:
    """The check-in deadline: move + N months (never before the initial deadline for in-service members),
    the initial deadline for in-service members who did not move, None for anyone else. An in-service member
    first recorded (`known_since`: joined the party, came into service, moved in unrecorded) after the initial
    deadline has N months from that day instead: a deadline that passed before they were known cannot bind them."""
    initial = policy.initial_deadline if in_service else None
    if moved_on is None:
        joined = local_date(policy, known_since) if known_since is not None else None
        return add_months(joined, policy.move_months) if initial and joined and joined > initial else initial
    after_move = add_months(local_date(policy, moved_on), policy.move_months)
    return max(after_move, initial) if initial else after_move


@dataclass(frozen=True)
class Lateness:
    """A check-in submitted after its deadline: the deadline, the days past it, and the rule that set it
    ("move": `months` calendar months after the move; "joined": `months` after the member was first recorded,
    later than the initial deadline; "initial": the initial deadline of in-service members)."""

    deadline: date
    days: int
    rule: str
    months: int

    def text(self, lang: str | None = None) -> str:
        return t(f"checkin.late.{self.rule}", lang, deadline=self.deadline.isoformat(), days=self.days,
                 months=self.months)


def lateness(policy: PartyPolicy, in_service: bool, moved_on: date | None, submitted_at: datetime | None,
             flow_in: bool = False, known_since: date | datetime | None = None) -> Lateness | None:
    """How late a check-in submitted at `submitted_at` is, or None: on time, no deadline, not submitted, or a
    flow-in member registered by the community."""
    deadline = deadline_for(policy, in_service, moved_on, known_since)
    if flow_in or submitted_at is None or deadline is None:
        return None
    days = (local_date(policy, submitted_at) - deadline).days
    if days <= 0:
        return None
    if moved_on is not None:
        rule = "move" if add_months(moved_on, policy.move_months) == deadline else "initial"
    else:
        rule = "initial" if deadline == policy.initial_deadline else "joined"
    return Lateness(deadline, days, rule, policy.move_months)


@dataclass(frozen=True)
class CheckinView:
    """A check-in as plain values (the phone masked)."""

    id: int
    person_id: int
    person_name: str
    status: str
    compound_id: int | None
    compound_name: str | None
    building_id: int | None
    building_name: str | None
    work_unit: str | None
    work_unit_party_org: str | None
    work_unit_contact: str | None
    phone_masked: str
    moved: bool
    moved_on: date | None
    in_service: bool
    flow_in: bool
    reject_reason: str | None
    submitted_at: datetime | None
    known_since: datetime | None
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, c: CheckIn) -> CheckinView:
        return cls(c.id, c.person_id, c.person.name, c.status, c.compound_id, c.compound.name if c.compound else None,
                   c.building_id, c.building.name if c.building else None, c.work_unit, c.work_unit_party_org,
                   c.work_unit_contact, mask_phone(c.phone), c.moved, c.moved_on, c.in_service, c.flow_in,
                   c.reject_reason, c.submitted_at, c.person.created_at, c.decided_by, c.decided_at, c.created_at)

    def lateness(self, policy: PartyPolicy) -> Lateness | None:
        """How late this check-in was submitted (None: on time, or not a late case)."""
        return lateness(policy, self.in_service, self.moved_on, self.submitted_at, self.flow_in, self.known_since)


@dataclass(frozen=True)
class CheckinForm:
    """What a member enters for /checkin."""

    work_unit: str
    work_unit_party_org: str
    compound_id: int
    phone: str
    building_id: int | None = None
    work_unit_contact: str | None = None
    moved: bool = False
    moved_on: date | None = None
    in_service: bool = True
    probationary: bool = False  # 预备党员


def text_error(value: str | None) -> str | None:
    """The message key when a typed check-in field is empty or longer than TEXT_MAX, else None."""
    value = (value or "").strip()
    return "checkin.err.required" if not value else "checkin.err.too_long" if len(value) > TEXT_MAX else None


def _text(value: str | None, field: str, errors: list, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value and not required:
        return None
    if key := text_error(value):
        errors.append((field, key))
    return value or None


def date_error(policy: PartyPolicy, day: date, today: date) -> str | None:
    """The message key when a party date lies in the future or before the policy's earliest date, else None."""
    return "checkin.err.future" if day > today else "checkin.err.too_early" if day < policy.earliest_date else None


def check_date(policy: PartyPolicy, day: date | None, field: str, today: date, errors: list) -> None:
    """Refuse a party date in the future or before the policy's earliest date."""
    if day is not None and (key := date_error(policy, day, today)):
        errors.append((field, key))


def check_place(session: Session, compound_id: int | None, building_id: int | None, errors: list) -> None:
    """The compound exists and the building (if any) lies inside it."""
    compound = session.get(OrgUnit, compound_id) if compound_id is not None else None
    if compound is None or compound.level != "compound":
        errors.append(("compound_id", "checkin.err.compound"))
    elif building_id is not None:
        building = session.get(OrgUnit, building_id)
        if building is None or building.level != "building" or not building.path.startswith(compound.path):
            errors.append(("building_id", "checkin.err.building"))


def start_checkin(session: Session, person_id: int, now: datetime | None = None) -> CheckinView:
    """The person's unfinished check-in, or a new one."""
    now = now_or(now)
    load(session, Person, person_id, "checkin.err.person_not_found")
    found = session.scalars(select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status == "started")
                            .order_by(CheckIn.id.desc())).first()
    if found is None:
        found = CheckIn(person_id=person_id, status="started", created_at=now, updated_at=now)
        session.add(found)
        session.flush()
    return CheckinView.of(found)


def sent_back(session: Session, person_id: int) -> tuple[CheckinForm, CheckinView] | None:
    """The person's last submitted check-in when the branch sent it back: its answers as a form (to prefill the
    next one) and its view (compound, reason); None otherwise."""
    last = session.scalars(select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status != "started")
                           .order_by(CheckIn.id.desc())).first()
    if last is None or last.status != "rejected":
        return None
    form = CheckinForm(last.work_unit or "", last.work_unit_party_org or "", last.compound_id, last.phone or "",
                       last.building_id, last.work_unit_contact, last.moved, last.moved_on, last.in_service,
                       bool(last.probationary))
    return form, CheckinView.of(last)


def submit_checkin(session: Session, policy: PartyPolicy, checkin_id: int, form: CheckinForm,
                   now: datetime | None = None) -> CheckinView:
    """Validate the form and send the check-in to the compound's branch (status pending)."""
    now = now_or(now)
    checkin = load(session, CheckIn, checkin_id, "checkin.err.not_found")
    if checkin.status != "started":
        raise InvalidTransition("checkin.err.not_open", domain="checkin", status=checkin.status)
    errors: list[tuple[str, str]] = []
    work_unit = _text(form.work_unit, "work_unit", errors)
    party_org = _text(form.work_unit_party_org, "work_unit_party_org", errors)
    contact = _text(form.work_unit_contact, "work_unit_contact", errors, required=False)
    phone = normalise_phone(form.phone)
    if not phone or not _PHONE.match(phone):
        errors.append(("phone", "checkin.err.phone"))
    check_place(session, form.compound_id, form.building_id, errors)
    if form.moved and form.moved_on is None:
        errors.append(("moved_on", "checkin.err.moved_on_missing"))
    check_date(policy, form.moved_on, "moved_on", local_date(policy, now), errors)
    if errors:
        raise Invalid(errors)
    checkin.work_unit, checkin.work_unit_party_org, checkin.phone = work_unit, party_org, phone
    checkin.work_unit_contact = normalise_phone(contact) if contact and _PHONE.match(normalise_phone(contact) or "") \
        else contact
    checkin.compound_id, checkin.building_id = form.compound_id, form.building_id
    checkin.moved, checkin.moved_on, checkin.in_service = form.moved, form.moved_on if form.moved else None, \
        form.in_service
    checkin.probationary = form.probationary
    checkin.status, checkin.submitted_at, checkin.updated_at = "pending", now, now
    session.flush()
    return CheckinView.of(checkin)


def decide(session: Session, checkin_id: int, secretary_person_id: int, confirm: bool, reason: str | None = None,
           now: datetime | None = None) -> CheckinView:
    """Confirm or reject (a reason is required) a pending check-in: the compound's branch or the community."""
    now = now_or(now)
    checkin = load(session, CheckIn, checkin_id, "checkin.err.not_found")
    if not can(session, secretary_person_id, "confirm_checkin", checkin.compound_id):
        raise NotAllowed("checkin.err.not_allowed")
    if checkin.status != "pending":
        raise InvalidTransition("checkin.err.not_pending", domain="checkin", status=checkin.status)
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise Invalid([("reason", "checkin.err.reason")])
    checkin.status = "confirmed" if confirm else "rejected"
    checkin.reject_reason = None if confirm else reason
    checkin.decided_by, checkin.decided_at, checkin.updated_at = secretary_person_id, now, now
    if confirm:
        checkin.person.party_member = True
        checkin.person.work_unit = checkin.work_unit or checkin.person.work_unit
    session.flush()
    return CheckinView.of(checkin)


def _places(session: Session, person_id: int) -> list[OrgUnit]:
    """Where the person is known to be: the units of their roles and the compounds of their current and pending
    check-ins."""
    units = [b.unit for b in bindings(session, person_id)]
    current = current_checkin(session, person_id)
    pending = session.scalars(select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status == "pending",
                                                    CheckIn.compound_id.is_not(None)))
    return units + [c.compound for c in ([current] if current else []) + list(pending)]


def _registrable(session: Session, community_person_id: int, person_id: int) -> bool:
    """No place the person is known at lies outside the coordinator's flow-in subtree."""
    return all(can(session, community_person_id, "register_flow_in", unit) for unit in _places(session, person_id))


def flow_in_person(session: Session, community_person_id: int, name: str, phone: str | None) -> int:
    """The person a flow-in registration is for: the one with this phone who is known only inside the
    coordinator's subtree, else a new person with this name and phone. A match known anywhere else is
    neither used nor named (nor is someone known nowhere)."""
    phone = normalise_phone(phone)
    if phone:
        for person in session.scalars(select(Person).where(Person.phone == phone).order_by(Person.id)):
            if _places(session, person.id) and _registrable(session, community_person_id, person.id):
                return person.id
    return create_person(session, name, phone, party_member=True).id


def register_flow_in(session: Session, community_person_id: int, person_id: int, compound_id: int,
                     building_id: int | None = None, work_unit: str | None = None,
                     work_unit_party_org: str | None = None, phone: str | None = None,
                     now: datetime | None = None) -> CheckinView:
    """流入党员: the community adds a member to a compound branch's roster (a confirmed, flow-in check-in).
    Both the compound and every place the person is known at must lie in the coordinator's subtree."""
    now = now_or(now)
    person = load(session, Person, person_id, "checkin.err.person_not_found")
    errors: list[tuple[str, str]] = []
    check_place(session, compound_id, building_id, errors)
    if errors:
        raise Invalid(errors)
    if not can(session, community_person_id, "register_flow_in", compound_id) or \
            not _registrable(session, community_person_id, person_id):
        raise NotAllowed("checkin.err.not_allowed")
    checkin = CheckIn(person_id=person_id, compound_id=compound_id, building_id=building_id, work_unit=work_unit,
                      work_unit_party_org=work_unit_party_org, phone=normalise_phone(phone) or person.phone,
                      in_service=bool(work_unit), flow_in=True, status="confirmed", submitted_at=now,
                      decided_by=community_person_id, decided_at=now, created_at=now, updated_at=now)
    person.party_member = True
    session.add(checkin)
    session.flush()
    return CheckinView.of(checkin)


def current_checkins(session: Session, compound_ids: list[int] | None = None) -> dict[int, CheckIn]:
    """person id -> their latest confirmed check-in (optionally only those in `compound_ids`)."""
    query = select(CheckIn).where(CheckIn.status == "confirmed").order_by(CheckIn.decided_at, CheckIn.id)
    latest = {c.person_id: c for c in session.scalars(query)}
    if compound_ids is None:
        return latest
    wanted = set(compound_ids)
    return {pid: c for pid, c in latest.items() if c.compound_id in wanted}


def current_checkin(session: Session, person_id: int) -> CheckIn | None:
    """The person's latest confirmed check-in."""
    return session.scalars(select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status == "confirmed")
                           .order_by(CheckIn.decided_at.desc(), CheckIn.id.desc())).first()



def current_branch(session: Session, person_id: int) -> UnitRef | None:
    """The compound of the person's current check-in (their branch), or None."""
    checkin = current_checkin(session, person_id)
    return UnitRef(checkin.compound_id, checkin.compound.name) if checkin is not None else None


def roster(session: Session, compound_id: int) -> list[CheckinView]:
    """The branch's members: everyone whose current residence is the compound, by name."""
    found = current_checkins(session, [compound_id]).values()
    return sorted((CheckinView.of(c) for c in found), key=lambda v: (v.person_name, v.person_id))


def unfinished(session: Session, older_than: datetime) -> list[CheckinView]:
    """Started check-ins untouched since `older_than` and not yet reminded (for reminders)."""
    query = select(CheckIn).where(CheckIn.status == "started", CheckIn.updated_at <= older_than,
                                  CheckIn.reminded_at.is_(None)).order_by(CheckIn.id)
    return [CheckinView.of(c) for c in session.scalars(query)]


def mark_reminded(session: Session, checkin_ids: list[int], now: datetime | None = None) -> None:
    """Record that the members of these check-ins were reminded (each is reminded once)."""
    now = now_or(now)
    for checkin in session.scalars(select(CheckIn).where(CheckIn.id.in_(checkin_ids))):
        checkin.reminded_at = now
    session.flush()


def decider_ids(session: Session, compound_id: int) -> list[int]:
    """Who is asked to confirm a check-in at the compound: its branch secretary and members."""
    query = select(RoleBinding.person_id).where(RoleBinding.unit_id == compound_id,
                                                RoleBinding.role.in_(("branch_secretary", "branch_member")))
    return list(dict.fromkeys(session.scalars(query)))
