"""Who may do what, where: one function, `can`, reading the tables below.

A role acts only within the subtree of the unit it is bound to (a compound's branch secretary cannot act on
another compound); `admin` acts everywhere. Tables (data, not code):

| action            | roles                                                                   | clause |
|-------------------|-------------------------------------------------------------------------|--------|
| ask               | anyone, registered or not                                               | —      |
| view_unit         | any bound role                                                          | —      |
| submit_need       | any bound role                                                          | 10     |
| handle_need       | district, street, community, branch_secretary, branch_member,           | 10–11  |
|                   | building_leader, household_cadre, property_liaison                      |        |
| evaluate_property | street, community, branch_secretary, owners_committee                   | 12     |
| view_reports      | district, street, community, branch_secretary                           | 13–15  |
| invite            | district, street, community, branch_secretary                           | —      |
| manage_org        | district, street                                                        | —      |
| manage_people     | district, street, community, branch_secretary (people bound in subtree) | —      |
| confirm_checkin   | community, branch_secretary, branch_member                              | 5      |
| register_flow_in  | community                                                               | 5      |
| view_checkins     | district, street, community, branch_secretary, branch_member            | 5      |
| record_points     | branch_secretary, branch_member, building_leader (member's compound;    | 7      |
|                   | points.may_record also accepts a leader bound at one of its buildings)  |        |
| manage_cases      | community, branch_secretary, branch_member                              | 8      |
| view_cases        | community, branch_secretary, branch_member (+ the member, unit contact) | 8      |
| manage_committees | district, street, community                                             | 1–3    |

ROLE_RANK orders roles from the top of the chain down: an inviter may grant only roles of its own rank or
below (`can(..., "invite", unit, role=...)`). ROLE_LEVELS says at which tree levels a role may be bound.
"""
from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..storage.models import LEVELS, ROLES, OrgUnit, Person, RoleBinding

ANYONE = "*"
BOUND = frozenset(ROLES)
ADMIN = "admin"

ACTIONS: dict[str, frozenset[str] | str] = {
    "ask": ANYONE,
    "view_unit": BOUND,
    "submit_need": BOUND,
    "handle_need": frozenset({"district", "street", "community", "branch_secretary", "branch_member",
                              "building_leader", "household_cadre", "property_liaison"}),
    "evaluate_property": frozenset({"street", "community", "branch_secretary", "owners_committee"}),
    "view_reports": frozenset({"district", "street", "community", "branch_secretary"}),
    "invite": frozenset({"district", "street", "community", "branch_secretary"}),
    "manage_org": frozenset({"district", "street"}),
    "manage_people": frozenset({"district", "street", "community", "branch_secretary"}),
    "confirm_checkin": frozenset({"community", "branch_secretary", "branch_member"}),
    "register_flow_in": frozenset({"community"}),
    "view_checkins": frozenset({"district", "street", "community", "branch_secretary", "branch_member"}),
    "record_points": frozenset({"branch_secretary", "branch_member", "building_leader"}),
    "manage_cases": frozenset({"community", "branch_secretary", "branch_member"}),
    "view_cases": frozenset({"community", "branch_secretary", "branch_member"}),
    "manage_committees": frozenset({"district", "street", "community"}),
}

ROLE_RANK: dict[str, int] = {
    "admin": 0, "district": 10, "street": 20, "community": 30, "branch_secretary": 40, "branch_member": 45,
    "property_liaison": 45, "owners_committee": 45, "building_leader": 50, "household_cadre": 60, "resident": 70,
}

ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    "admin": LEVELS,
    "district": ("district",),
    "street": ("street",),
    "community": ("community",),
    "branch_secretary": ("compound",),
    "branch_member": ("compound",),
    "property_liaison": ("compound",),
    "owners_committee": ("compound",),
    "building_leader": ("building",),
    "household_cadre": ("building", "household"),
    "resident": ("compound", "building", "household"),
}

assert set(ROLE_RANK) == set(ROLE_LEVELS) == set(ROLES)


def check_role(role: str, unit: OrgUnit | None = None) -> None:
    """Raise ValueError for an unknown role, or one that cannot be bound at `unit`'s level."""
    if role not in ROLE_LEVELS:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    if unit is not None and unit.level not in ROLE_LEVELS[role]:
        raise ValueError(f"role {role!r} cannot be bound to a {unit.level} (only {', '.join(ROLE_LEVELS[role])})")


def bindings(session: Session, person: Person | int) -> list[RoleBinding]:
    """The person's role bindings with their units loaded."""
    person_id = person if isinstance(person, int) else person.id
    return list(session.scalars(select(RoleBinding).where(RoleBinding.person_id == person_id)))


def _within(unit: OrgUnit, ancestor: OrgUnit) -> bool:
    return unit.path.startswith(ancestor.path)


def can(
    session: Session,
    person: Person | int | None,
    action: str,
    unit: OrgUnit | int | None = None,
    *,
    role: str | None = None,
) -> bool:
    """Whether `person` may do `action` on `unit`.

    person None is an unregistered user. unit None asks "anywhere at all". For "invite", `role` is the
    role to be granted: it must not rank above the inviter's role that covers the unit.
    Unknown actions raise ValueError, so a typo never silently denies or allows.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    allowed = ACTIONS[action]
    if allowed == ANYONE:
        return True
    if person is None:
        return False
    if isinstance(unit, int):
        unit = session.get(OrgUnit, unit)
        if unit is None:
            return False
    if role is not None:
        check_role(role)
    return any(_grants(binding, allowed, unit, role) for binding in bindings(session, person))


def _grants(binding: RoleBinding, allowed: Iterable[str], unit: OrgUnit | None, role: str | None) -> bool:
    if binding.role == ADMIN:
        return True
    if binding.role not in allowed:
        return False
    if unit is not None and not _within(unit, binding.unit):
        return False
    return role is None or ROLE_RANK[role] >= ROLE_RANK[binding.role]


def compounds_where(session: Session, person_id: int, action: str | None = None) -> list[OrgUnit]:
    """The one scope query for "the compounds I may act on", in tree order.

    With `action`: the compounds covered by the person's bindings whose role may do it (admin: its subtree).
    Without: those of any binding (admin: every compound). A binding at a building or household covers its
    compound. Paths are matched as prefixes with LIKE patterns escaped."""
    allowed = ACTIONS[action] if action else None
    found: dict[int, OrgUnit] = {}
    for binding in bindings(session, person_id):
        if allowed is not None and binding.role != ADMIN and binding.role not in allowed:
            continue
        unit = binding.unit
        while unit is not None and unit.level in ("building", "household"):
            unit = unit.parent
        if unit is None:
            continue
        if unit.level == "compound":
            found[unit.id] = unit
            continue
        query = select(OrgUnit).where(OrgUnit.level == "compound")
        if not (binding.role == ADMIN and action is None):
            query = query.where(OrgUnit.path.startswith(unit.path, autoescape=True))
        found.update((c.id, c) for c in session.scalars(query))
    return sorted(found.values(), key=lambda u: u.path)



@dataclass(frozen=True)
class UnitRef:
    """A unit as its id and name (what a front end shows and sends back)."""

    id: int
    name: str


def compound_refs_where(session: Session, person_id: int, action: str | None = None) -> list[UnitRef]:
    """compounds_where as (id, name), by name (then id)."""
    return sorted((UnitRef(u.id, u.name) for u in compounds_where(session, person_id, action)),
                  key=lambda u: (u.name, u.id))


def people_in_scope(session: Session, person_id: int | None, action: str = "manage_people") -> set[int] | None:
    """Ids of the people bound anywhere within the units where `person_id` may do `action`; None when they may
    do it nowhere. An admin sees everyone, also people left without a role (a person stays a person after their
    last role is revoked); a coordinator only those bound within their units."""
    roots = outermost_units(session, person_id, action)
    if not roots:
        return None
    if any(b.role == ADMIN for b in bindings(session, person_id)):
        return set(session.scalars(select(Person.id)))
    query = select(RoleBinding.person_id).join(OrgUnit, OrgUnit.id == RoleBinding.unit_id)
    query = query.where(or_(*(OrgUnit.path.startswith(root.path, autoescape=True) for root in roots)))
    return set(session.scalars(query))


def outermost_units(session: Session, person_id: int | None, action: str) -> list[OrgUnit]:
    """The outermost units where the person's roles may do `action` (admin anywhere it is bound)."""
    if person_id is None:
        return []
    allowed = ACTIONS[action] | {ADMIN}
    units = sorted((b.unit for b in bindings(session, person_id) if b.role in allowed), key=lambda u: len(u.path))
    roots: list[OrgUnit] = []
    for unit in units:
        if not any(unit.path.startswith(root.path) for root in roots):
            roots.append(unit)
    return roots


def actions_of(session: Session, person_id: int | None) -> frozenset[str]:
    """The actions the person may do somewhere (an unregistered user: only those open to anyone)."""
    return frozenset(action for action in ACTIONS if can(session, person_id, action))


def why_not(session: Session, person_id: int | None, action: str) -> str:
    """Why `action` was refused, as one of: "no_org" (no organisation imported yet), "not_registered",
    "role" (none of the person's roles may do it) or "unit" (a role may, but not in the unit at hand)."""
    if session.scalars(select(OrgUnit.id).limit(1)).first() is None:
        return "no_org"
    if person_id is None:
        return "not_registered"
    return "unit" if can(session, person_id, action) else "role"
