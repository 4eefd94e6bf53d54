"""Organisation (clauses 1–3, 9): committee seats, party groups, resident full members and compliance facts.

`compliance_facts` gathers per unit what the rules of party.yaml speak about (the owners' committee from its
registry, services/owners_committees.py, else from owners_committee role bindings); judging them (and citing the
clause) is the compliance check's job. Full members are resident confirmed members (check-ins, flow-ins
included); probationary members are not recorded yet, so every confirmed member counts as full.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import DomainError, Invalid, NotAllowed, NotFound, load, now_or
from ..org.permissions import can
from ..org.tree import ancestry
from ..property.owners_committee import committee_counts
from ..storage.models import (
    ORGAN_LEVELS,
    ORGAN_POSITIONS,
    CheckIn,
    CommitteeSeat,
    OrgUnit,
    PartyGroup,
    Person,
    RoleBinding,
)

FROM_MAX = 200


@dataclass(frozen=True)
class SeatView:
    """A committee seat."""

    id: int
    unit_id: int
    person_id: int
    person_name: str
    organ: str
    position: str
    from_unit: str | None


@dataclass(frozen=True)
class UnitFacts:
    """What the compliance rules need to know about one unit (None where a fact does not apply or is unknown)."""

    unit_id: int
    unit_name: str
    level: str
    path: str
    seats_by_organ_position: dict[str, dict[str, int]]
    full_members: int
    has_party_group: bool | None
    has_branch: bool | None
    owners_committee_total: int | None
    owners_committee_party: int | None


def _seat(seat: CommitteeSeat) -> SeatView:
    return SeatView(seat.id, seat.unit_id, seat.person_id, seat.person.name, seat.organ, seat.position,
                    seat.from_unit)


def add_seat(session: Session, actor_id: int | None, unit_id: int, person_id: int, organ: str, position: str,
             from_unit: str | None = None, now: datetime | None = None) -> SeatView:
    """Seat a person on the unit's organ (one seat per person and organ); actor None is the trusted CLI."""
    now = now_or(now)
    unit = load(session, OrgUnit, unit_id, "committee.err.unit_not_found")
    load(session, Person, person_id, "committee.err.person_not_found")
    if actor_id is not None and not can(session, actor_id, "manage_committees", unit):
        raise NotAllowed("committee.err.not_allowed")
    if ORGAN_LEVELS.get(organ) != unit.level:
        raise Invalid([("organ", "committee.err.organ")])
    if position not in ORGAN_POSITIONS[organ]:
        raise Invalid([("position", "committee.err.position")])
    from_unit = (from_unit or "").strip() or None
    if from_unit and len(from_unit) > FROM_MAX:
        raise Invalid([("from_unit", "committee.err.too_long")])
    taken = session.scalars(select(CommitteeSeat).where(CommitteeSeat.unit_id == unit_id,
                                                        CommitteeSeat.person_id == person_id,
                                                        CommitteeSeat.organ == organ)).first()
    if taken is not None:
        raise DomainError("committee.err.taken", position=taken.position)
    seat = CommitteeSeat(unit_id=unit_id, person_id=person_id, organ=organ, position=position, from_unit=from_unit,
                         created_at=now)
    session.add(seat)
    session.flush()
    return _seat(seat)


def remove_seat(session: Session, actor_id: int, seat_id: int) -> bool:
    """Remove a seat; True when it existed."""
    seat = session.get(CommitteeSeat, seat_id)
    if seat is None:
        return False
    if not can(session, actor_id, "manage_committees", seat.unit_id):
        raise NotAllowed("committee.err.not_allowed")
    session.delete(seat)
    session.flush()
    return True


def seats(session: Session, unit_id: int) -> list[SeatView]:
    """The unit's seats by organ, position and name."""
    found = session.scalars(select(CommitteeSeat).where(CommitteeSeat.unit_id == unit_id))
    order = {p: i for positions in ORGAN_POSITIONS.values() for i, p in enumerate(positions)}
    return sorted((_seat(s) for s in found), key=lambda s: (s.organ, order[s.position], s.person_name, s.person_id))


def add_party_group(session: Session, actor_id: int | None, building_id: int, leader_person_id: int | None = None,
                    now: datetime | None = None) -> int:
    """Record a building's 党小组 (one per building; actor None is the trusted CLI); returns its id."""
    now = now_or(now)
    building = load(session, OrgUnit, building_id, "committee.err.unit_not_found")
    if building.level != "building":
        raise Invalid([("building_id", "committee.err.building")])
    if actor_id is not None and not can(session, actor_id, "manage_committees", building) and \
            not can(session, actor_id, "confirm_checkin", building.parent_id):
        raise NotAllowed("committee.err.not_allowed")
    if leader_person_id is not None:
        load(session, Person, leader_person_id, "committee.err.person_not_found")
    if session.scalars(select(PartyGroup).where(PartyGroup.building_id == building_id)).first() is not None:
        raise DomainError("committee.err.group_exists")
    group = PartyGroup(building_id=building_id, leader_person_id=leader_person_id, created_at=now)
    session.add(group)
    session.flush()
    return group.id


def _residences(session: Session) -> dict[int, str]:
    """Full (not probationary) members: person id -> path of their current residence (the building when known,
    else the compound), from each member's latest confirmed check-in — one query."""
    ranked = select(CheckIn.person_id, CheckIn.probationary,
                    func.coalesce(CheckIn.building_id, CheckIn.compound_id).label("place"),
                    func.row_number().over(partition_by=CheckIn.person_id,
                                           order_by=(CheckIn.decided_at.desc(), CheckIn.id.desc())).label("n"),
                    ).where(CheckIn.status == "confirmed").subquery()
    query = (select(ranked.c.person_id, OrgUnit.path).join(OrgUnit, OrgUnit.id == ranked.c.place)
             .where(ranked.c.n == 1, ranked.c.probationary.is_not(True)))
    return dict(session.execute(query).all())


def resident_full_members(session: Session, unit_id: int) -> int:
    """Resident confirmed members (flow-ins included) whose current residence lies in the unit's subtree."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound("committee.err.unit_not_found", id=unit_id)
    return sum(1 for path in _residences(session).values() if path.startswith(unit.path))


def compliance_facts(session: Session, root_unit_id: int | None = None) -> list[UnitFacts]:
    """Facts for every street, community, compound and building at or below the root (all when None)."""
    query = (select(OrgUnit.id, OrgUnit.name, OrgUnit.level, OrgUnit.path)  # rows, not ORM objects: 20k+ units
             .where(OrgUnit.level != "household").order_by(OrgUnit.path))
    if root_unit_id is not None:
        root = load(session, OrgUnit, root_unit_id, "committee.err.unit_not_found")
        query = query.where(OrgUnit.path.startswith(root.path, autoescape=True))
    loaded = session.execute(query).all()
    names = {u.id: u.name for u in loaded}
    if root_unit_id is not None:
        names |= {u.id: u.name for u in ancestry(session, root)}
    units = [u for u in loaded if u.level in ("street", "community", "compound", "building")]
    residents: Counter[int] = Counter()  # unit id -> full members living at or below it
    for path in _residences(session).values():
        residents.update(_ids(path))
    seat_counts: dict[int, dict[str, dict[str, int]]] = {}
    for seat in session.scalars(select(CommitteeSeat)):
        by_position = seat_counts.setdefault(seat.unit_id, {}).setdefault(seat.organ, {})
        by_position[seat.position] = by_position.get(seat.position, 0) + 1
    groups = set(session.scalars(select(PartyGroup.building_id)))
    roles: dict[int, list[RoleBinding]] = {}
    for binding in session.scalars(select(RoleBinding).where(RoleBinding.role.in_(("branch_secretary",
                                                                                    "owners_committee")))):
        roles.setdefault(binding.unit_id, []).append(binding)
    registry = committee_counts(session)  # the owners' committee registry; role bindings where it is empty
    facts = []
    for unit in units:
        seated = seat_counts.get(unit.id, {})
        bound = roles.get(unit.id, [])
        owners = [b.person for b in bound if b.role == "owners_committee"]
        compound = unit.level == "compound"
        owners_total, owners_party = registry.get(unit.id) or (
            (len(owners), sum(1 for p in owners if p.party_member)) if owners else (None, None))
        has_branch = (seated.get("branch_committee", {}).get("secretary", 0) > 0
                      or any(b.role == "branch_secretary" for b in bound))
        facts.append(UnitFacts(
            unit.id, unit.name, unit.level, " > ".join(names[i] for i in _ids(unit.path)), seated,
            residents[unit.id],
            unit.id in groups if unit.level == "building" else None,
            has_branch if compound else None,
            owners_total if compound else None,
            owners_party if compound else None))
    return facts


def _ids(path: str) -> list[int]:
    """The unit ids of a materialised path ("/1/5/23/"), top first."""
    return [int(i) for i in path.strip("/").split("/") if i]
