"""Owners' committees (业主委员会, clause 9): members with their role (主任, 副主任, 委员) and party status.

A member's party status is their person record's `party_member`. The ≥ 50% party share is judged by the
compliance check (services/compliance.py) from `committee_counts`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..errors import DomainError, Invalid, NotAllowed, load, now_or
from ..org.permissions import can
from ..storage.models import OWNERS_ROLES, OrgUnit, OwnersCommitteeMember, Person


@dataclass(frozen=True)
class OwnersMemberView:
    """A member of a compound's owners' committee."""

    id: int
    compound_id: int
    person_id: int
    name: str
    role: str
    party_member: bool


def _view(m: OwnersCommitteeMember) -> OwnersMemberView:
    return OwnersMemberView(m.id, m.compound_id, m.person_id, m.person.name, m.role, m.person.party_member)


def add_member(session: Session, actor_id: int | None, compound_id: int, person_id: int, role: str,
               now: datetime | None = None) -> OwnersMemberView:
    """Add a member (one 主任 per committee); actor None is the trusted CLI."""
    compound = load(session, OrgUnit, compound_id, "committee.err.unit_not_found")
    load(session, Person, person_id, "committee.err.person_not_found")
    if actor_id is not None and not can(session, actor_id, "manage_committees", compound):
        raise NotAllowed("committee.err.not_allowed")
    if compound.level != "compound":
        raise Invalid([("compound_id", "owners.err.compound")])
    if role not in OWNERS_ROLES:
        raise Invalid([("role", "owners.err.role")])
    members = session.scalars(select(OwnersCommitteeMember).where(OwnersCommitteeMember.compound_id == compound_id))
    for member in members:
        if member.person_id == person_id:
            raise DomainError("owners.err.taken", role=member.role)
        if role == "chair" and member.role == "chair":
            raise DomainError("owners.err.chair_taken", name=member.person.name)
    member = OwnersCommitteeMember(compound_id=compound_id, person_id=person_id, role=role, created_at=now_or(now))
    session.add(member)
    session.flush()
    return _view(member)


def remove_member(session: Session, actor_id: int | None, member_id: int) -> bool:
    """Remove a member; True when there was one."""
    member = session.get(OwnersCommitteeMember, member_id)
    if member is None:
        return False
    if actor_id is not None and not can(session, actor_id, "manage_committees", member.compound_id):
        raise NotAllowed("committee.err.not_allowed")
    session.delete(member)
    session.flush()
    return True


def members(session: Session, compound_id: int) -> list[OwnersMemberView]:
    """The committee: 主任, then 副主任, then 委员, by name."""
    found = session.scalars(select(OwnersCommitteeMember).where(OwnersCommitteeMember.compound_id == compound_id))
    return sorted((_view(m) for m in found), key=lambda m: (OWNERS_ROLES.index(m.role), m.name, m.id))


def committee_counts(session: Session) -> dict[int, tuple[int, int]]:
    """compound id -> (members, party members) for every compound with a recorded committee."""
    rows = session.execute(
        select(OwnersCommitteeMember.compound_id, func.count(OwnersCommitteeMember.id),
               func.sum(case((Person.party_member.is_(True), 1), else_=0)))
        .join(Person, Person.id == OwnersCommitteeMember.person_id).group_by(OwnersCommitteeMember.compound_id))
    return {compound_id: (int(total), int(party or 0)) for compound_id, total, party in rows}
