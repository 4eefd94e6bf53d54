"""任务清单 (clause 10): who answers for a category in a compound, and who coordinates at each level.

A compound's TaskRoute names the responsible party (e.g. "XX物业公司") and the people acting for it. Without
one, the category's default party type from the policy applies: its roles bound at the compound become the
assignees, and when nobody holds them the compound's branch (clause 3, 11) does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotAllowed, now_or
from ..org import audit
from ..org.permissions import can
from ..policy import NeedsPolicy
from ..storage.models import OrgUnit, Person, RoleBinding, TaskRoute

# Who coordinates at each level of the chain (一、总体目标; clause 2, 3): they hear of new and escalated needs.
COORDINATOR_ROLES: dict[str, tuple[str, ...]] = {
    "building": ("building_leader",),
    "compound": ("branch_secretary", "branch_member"),
    "community": ("community",),
    "street": ("street",),
    "district": ("district",),
}
# The task list is kept by the coordinators who also see the reports (district, street, community, branch
# secretary); permissions.py has no dedicated action for it yet.
MANAGE_ACTION = "view_reports"
LABEL_MAX = 200


@dataclass(frozen=True)
class RouteView:
    """The party answering for a category in a compound; source "task_list" (a TaskRoute) or "default"."""

    compound_id: int
    category: str
    party_type: str
    party_label: str
    person_ids: tuple[int, ...]
    source: str
    id: int | None = None


def people_with_roles(session: Session, unit_id: int, roles: tuple[str, ...]) -> list[int]:
    """Ids of the people holding any of `roles` bound exactly at the unit, in id order."""
    if not roles:
        return []
    query = select(RoleBinding.person_id).where(RoleBinding.unit_id == unit_id, RoleBinding.role.in_(roles))
    return sorted(set(session.scalars(query)))


def coordinators(session: Session, unit: OrgUnit) -> list[int]:
    """The people coordinating at this unit (COORDINATOR_ROLES of its level)."""
    return people_with_roles(session, unit.id, COORDINATOR_ROLES.get(unit.level, ()))


def _compound(session: Session, compound_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, compound_id)
    if unit is None or unit.level != "compound":
        raise Invalid([("compound_id", "need.err.compound")])
    return unit


def _view(route: TaskRoute) -> RouteView:
    return RouteView(route.compound_id, route.category, route.party_type, route.party_label,
                     tuple(p.id for p in route.persons), "task_list", route.id)


def route_for(session: Session, policy: NeedsPolicy, compound_id: int, category: str) -> RouteView:
    """The effective route of a category in a compound: its TaskRoute, else the policy default."""
    route = session.scalars(select(TaskRoute).where(TaskRoute.compound_id == compound_id,
                                                    TaskRoute.category == category)).first()
    if route is not None:
        return _view(route)
    cat = policy.category(category)
    if cat is None:
        raise Invalid([("category", "need.err.category")])
    party = policy.party_types[cat.party_type]
    people = people_with_roles(session, compound_id, party.roles) or \
        people_with_roles(session, compound_id, COORDINATOR_ROLES["compound"])
    return RouteView(compound_id, category, party.id, party.zh, tuple(people), "default")


CHAIN_UP: tuple[str, ...] = ("community", "street", "district")


def assignees_for(session: Session, route: RouteView, submitter_id: int | None) -> tuple[tuple[int, ...], bool]:
    """Who handles a need filed by `submitter_id` on `route`, and whether that is a fallback: the route's people;
    when none is left, the compound's branch secretary, then the coordinators up the chain (community, street,
    district). Never the submitter: the return visit must stay independent of whoever resolves."""
    others = lambda ids: tuple(pid for pid in ids if pid != submitter_id)
    if found := others(route.person_ids):
        return found, False
    compound = _compound(session, route.compound_id)
    if found := others(people_with_roles(session, compound.id, ("branch_secretary",))):
        return found, True
    unit = compound.parent
    while unit is not None:
        if unit.level in CHAIN_UP and (found := others(coordinators(session, unit))):
            return found, True
        unit = unit.parent
    return (), True


def set_route(session: Session, compound_id: int, category: str, party_type: str, party_label: str,
              person_ids: list[int], *, policy: NeedsPolicy, actor_id: int | None = None,
              now: datetime | None = None) -> RouteView:
    """Create or replace the compound's task-list entry for a category (actor None = trusted CLI)."""
    compound = _compound(session, compound_id)
    if actor_id is not None and not can(session, actor_id, MANAGE_ACTION, compound):
        raise NotAllowed("need.err.not_allowed")
    errors = []
    if policy.category(category) is None:
        errors.append(("category", "need.err.category"))
    if party_type not in policy.party_types:
        errors.append(("party_type", "need.err.party_type"))
    label = (party_label or "").strip()
    if not label or len(label) > LABEL_MAX:
        errors.append(("party_label", "need.err.party_label"))
    persons = [session.get(Person, pid) for pid in dict.fromkeys(person_ids or [])]
    if any(p is None for p in persons):
        errors.append(("person_ids", "need.err.person_not_found"))
    if errors:
        raise Invalid(errors)
    route = session.scalars(select(TaskRoute).where(TaskRoute.compound_id == compound_id,
                                                    TaskRoute.category == category)).first()
    before = _state(route) if route is not None else None
    if route is None:
        route = TaskRoute(compound_id=compound_id, category=category)
        session.add(route)
    route.party_type, route.party_label, route.persons = party_type, label, persons
    route.updated_at = now_or(now)
    session.flush()
    audit.record(session, "tasks_set", actor_id=actor_id, unit_id=compound_id, subject=category, before=before,
                 after=_state(route), now=now)
    return _view(route)


def _state(route: TaskRoute) -> dict:
    return {"category": route.category, "party_type": route.party_type, "party_label": route.party_label,
            "person_ids": sorted(p.id for p in route.persons)}


def remove_route(session: Session, compound_id: int, category: str, *, actor_id: int | None = None) -> bool:
    """Drop a task-list entry (the policy default applies again); True when one existed."""
    compound = _compound(session, compound_id)
    if actor_id is not None and not can(session, actor_id, MANAGE_ACTION, compound):
        raise NotAllowed("need.err.not_allowed")
    route = session.scalars(select(TaskRoute).where(TaskRoute.compound_id == compound_id,
                                                    TaskRoute.category == category)).first()
    if route is None:
        return False
    before = _state(route)
    session.delete(route)
    session.flush()
    audit.record(session, "tasks_remove", actor_id=actor_id, unit_id=compound_id, subject=category, before=before)
    return True


def routes(session: Session, compound_id: int) -> list[RouteView]:
    """The compound's task-list entries, by category."""
    found = session.scalars(select(TaskRoute).where(TaskRoute.compound_id == compound_id)
                            .order_by(TaskRoute.category))
    return [_view(route) for route in found]

