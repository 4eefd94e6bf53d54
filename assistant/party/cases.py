"""党员负面行为评价 (clause 8): open a case, the member's reply, rectification, and the overdue sweep.

    open --mark_rectified--> rectified --close--> closed
    open --sweep (deadline passed)--> unrectified --close--> closed

Unrectified: a notice for the member's work-unit party organisation (sent to the contact of the member's
confirmed check-in, `work_unit_contact`), the compound notice board flag, and no annual awards that year.
Visibility: the compound's branch, the community above it (view_cases), the member, and the unit contact —
a registered person whose phone equals the (normalised) work_unit_contact of the member's current check-in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DomainError, Invalid, InvalidTransition, NotAllowed, load, now_or
from ..messages import t
from ..org.people import normalise_phone
from ..org.permissions import can
from ..policy.loader import PartyPolicy
from ..storage.models import CaseEvent, NegativeCase, Person, RoleBinding
from .checkins import current_checkin, local_date

TEXT_MAX = 2000
FACTS_MIN = 5  # the bot asks for at least this many characters of facts
BRANCH_ROLES = ("branch_secretary", "branch_member")  # the branch told of an unrectified case


@dataclass(frozen=True)
class CaseView:
    """A case as plain values."""

    id: int
    person_id: int
    person_name: str
    compound_id: int
    compound_name: str
    case_type: str
    facts: str
    deadline: date
    status: str
    member_reply: str | None
    notice_sent_at: datetime | None
    notice_board: bool
    no_awards_year: int | None
    created_by: int
    created_at: datetime

    @classmethod
    def of(cls, c: NegativeCase) -> CaseView:
        return cls(c.id, c.person_id, c.person.name, c.compound_id, c.compound.name, c.case_type, c.facts, c.deadline,
                   c.status, c.member_reply, c.notice_sent_at, c.notice_board, c.no_awards_year, c.created_by,
                   c.created_at)


@dataclass(frozen=True)
class CaseNotice:
    """What the sweep asks to send: a notice to the member's work-unit party organisation."""

    case_id: int
    person_id: int
    member_name: str
    compound_name: str
    work_unit: str | None
    work_unit_party_org: str | None
    contact: str | None  # None: no registered contact, export the notice instead
    case_type_zh: str
    case_type_en: str
    facts: str
    deadline: date
    year: int

    def text(self, lang: str | None = None) -> str:
        kind = self.case_type_en if (lang or "").startswith("en") else self.case_type_zh
        return t("case.notice", lang, org=self.work_unit_party_org or self.work_unit or "—", name=self.member_name,
                 compound=self.compound_name, type=kind, facts=self.facts, deadline=self.deadline.isoformat(),
                 year=self.year)


def _event(session: Session, case: NegativeCase, kind: str, at: datetime, actor_id: int | None,
           note: str | None = None) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor_id=actor_id, note=note, at=at))
    session.flush()


def facts_fit(facts: str) -> bool:
    """Whether typed facts are within the bot's bounds (FACTS_MIN–TEXT_MAX characters)."""
    return FACTS_MIN <= len(facts) <= TEXT_MAX


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > TEXT_MAX:
        raise Invalid([(field, "case.err.text")])
    return value


def open_case(session: Session, policy: PartyPolicy, actor_id: int, person_id: int, case_type: str, facts: str,
              deadline: date | None = None, now: datetime | None = None) -> CaseView:
    """Record a case against a member of the actor's branch; the deadline defaults to today + rectify_days."""
    now = now_or(now)
    load(session, Person, person_id, "case.err.person_not_found")
    checkin = current_checkin(session, person_id)
    if checkin is None:
        raise DomainError("case.err.no_branch")
    if not can(session, actor_id, "manage_cases", checkin.compound_id):
        raise NotAllowed("case.err.not_allowed")
    today = local_date(policy, now)
    deadline = deadline or today + timedelta(days=policy.rectify_days)
    if policy.case_type(case_type) is None:
        raise Invalid([("case_type", "case.err.type")])
    if deadline < today:
        raise Invalid([("deadline", "case.err.deadline")])
    case = NegativeCase(person_id=person_id, compound_id=checkin.compound_id, case_type=case_type,
                        facts=_text(facts, "facts"), deadline=deadline, status="open", notice_board=False,
                        created_by=actor_id, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    _event(session, case, "opened", now, actor_id)
    return CaseView.of(case)


def member_reply(session: Session, case_id: int, person_id: int, reply: str, now: datetime | None = None) -> CaseView:
    """The member answers their own case (the latest reply is kept on the case, each one in its history)."""
    now = now_or(now)
    case = load(session, NegativeCase, case_id, "case.err.not_found")
    if case.person_id != person_id:
        raise NotAllowed("case.err.not_allowed")
    case.member_reply, case.updated_at = _text(reply, "reply"), now
    _event(session, case, "replied", now, person_id, case.member_reply)
    return CaseView.of(case)


def mark_rectified(session: Session, case_id: int, actor_id: int, note: str | None = None,
                   now: datetime | None = None) -> CaseView:
    """The branch confirms an open case was rectified."""
    return _move(session, case_id, actor_id, ("open",), "rectified", note, now)


def close_case(session: Session, case_id: int, actor_id: int, note: str | None = None,
               now: datetime | None = None) -> CaseView:
    """Close a rectified or unrectified case (flags of an unrectified case stay on record)."""
    return _move(session, case_id, actor_id, ("rectified", "unrectified"), "closed", note, now)


def _move(session, case_id, actor_id, sources, target, note, now) -> CaseView:
    now = now_or(now)
    case = load(session, NegativeCase, case_id, "case.err.not_found")
    if not can(session, actor_id, "manage_cases", case.compound_id):
        raise NotAllowed("case.err.not_allowed")
    if case.status not in sources:
        raise InvalidTransition("case.err.status", domain="case", status=case.status)
    case.status, case.updated_at = target, now
    _event(session, case, target, now, actor_id, (note or "").strip() or None)
    return CaseView.of(case)


def sweep_overdue(session: Session, policy: PartyPolicy, today: date, now: datetime | None = None
                  ) -> list[CaseNotice]:
    """Open cases past their deadline become unrectified (once): notice board, no awards that year, and a
    notice to send for each. Call mark_notice_sent after sending."""
    now = now_or(now)
    query = select(NegativeCase).where(NegativeCase.status == "open", NegativeCase.deadline < today)
    notices = []
    for case in session.scalars(query.order_by(NegativeCase.id).with_for_update()):
        case.status, case.notice_board, case.no_awards_year, case.updated_at = "unrectified", True, today.year, now
        _event(session, case, "unrectified", now, None)
        notices.append(notice_for(session, policy, case))
    return notices


def notice_for(session: Session, policy: PartyPolicy, case: NegativeCase) -> CaseNotice:
    """The notice for the member's work-unit party organisation about an unrectified case."""
    checkin = current_checkin(session, case.person_id)
    kind = policy.case_type(case.case_type)
    return CaseNotice(
        case.id, case.person_id, case.person.name, case.compound.name, checkin.work_unit if checkin else None,
        checkin.work_unit_party_org if checkin else None, checkin.work_unit_contact if checkin else None,
        kind.zh if kind else case.case_type, kind.en if kind else case.case_type, case.facts, case.deadline,
        case.no_awards_year or case.deadline.year)


def notice_board(session: Session, policy: PartyPolicy, unit_path: str | None = None,
                 unsent_only: bool = False) -> list[CaseNotice]:
    """Unrectified cases marked for the compound notice board (曝光), optionally only those whose unit notice
    has not gone out yet, under a unit's path — for export to the work units' party organisations."""
    query = select(NegativeCase).where(NegativeCase.notice_board.is_(True)).order_by(NegativeCase.id)
    if unsent_only:
        query = query.where(NegativeCase.notice_sent_at.is_(None))
    return [notice_for(session, policy, c) for c in session.scalars(query)
            if unit_path is None or c.compound.path.startswith(unit_path)]



@dataclass(frozen=True)
class NoticeRecipients:
    """Who hears of an unrectified case: the registered unit contact(s) and the branch (with its opener)."""

    contact_ids: tuple[int, ...]
    branch_ids: frozenset[int]


def notice_recipients(session: Session, notice: CaseNotice) -> NoticeRecipients:
    """The people whose phone is the notice's contact, and the compound's branch officers plus the opener."""
    case = session.get(NegativeCase, notice.case_id)
    phone = normalise_phone(notice.contact)
    contact_ids = tuple(session.scalars(select(Person.id).where(Person.phone == phone))) if phone else ()
    officers = set(session.scalars(select(RoleBinding.person_id).where(
        RoleBinding.unit_id == case.compound_id, RoleBinding.role.in_(BRANCH_ROLES))))
    officers.add(case.created_by)
    return NoticeRecipients(contact_ids, frozenset(officers))


def member_name_for_case(session: Session, actor_id: int, person_id: int) -> str:
    """The member's name when the actor may open a case against them (DomainError, NotAllowed as open_case)."""
    checkin = current_checkin(session, person_id)
    if checkin is None:
        raise DomainError("case.err.no_branch")
    if not can(session, actor_id, "manage_cases", checkin.compound_id):
        raise NotAllowed("case.err.not_allowed")
    return session.get(Person, person_id).name


def mark_notice_sent(session: Session, case_id: int, now: datetime | None = None) -> CaseView:
    """Record that the unit notice went out."""
    now = now_or(now)
    case = load(session, NegativeCase, case_id, "case.err.not_found")
    case.notice_sent_at = case.updated_at = now
    _event(session, case, "notice_sent", now, None)
    return CaseView.of(case)


def is_unit_contact(session: Session, case: NegativeCase, viewer_id: int) -> bool:
    """The viewer's phone is the work-unit contact of the member's current check-in."""
    viewer = session.get(Person, viewer_id)
    checkin = current_checkin(session, case.person_id)
    contact = normalise_phone(checkin.work_unit_contact) if checkin and checkin.work_unit_contact else None
    return bool(viewer and viewer.phone and contact and viewer.phone == contact)


def can_view(session: Session, case_id: int, viewer_id: int) -> bool:
    """Whether the viewer may see the case (see the module docstring)."""
    case = load(session, NegativeCase, case_id, "case.err.not_found")
    return (case.person_id == viewer_id or can(session, viewer_id, "view_cases", case.compound_id)
            or is_unit_contact(session, case, viewer_id))


def visible_cases(session: Session, viewer_person_id: int) -> list[CaseView]:
    """Every case the viewer may see, newest first."""
    cases = session.scalars(select(NegativeCase).order_by(NegativeCase.id.desc()))
    return [CaseView.of(c) for c in cases if can_view(session, c.id, viewer_person_id)]

