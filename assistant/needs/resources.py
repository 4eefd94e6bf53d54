"""资源清单 (clause 10): what units and party members offer, tagged by need category, matched to needs.

A resource offered at a unit serves that unit and everything below it, so a need matches the active
resources tagged with its category at its building, its compound or any unit above the compound.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotAllowed, NotFound, now_or
from ..org import audit
from ..org.permissions import can, outermost_units
from ..org.tree import AmbiguousUnit, ancestry, breadcrumb, find_unit, subtree_ids
from ..policy import NeedsPolicy
from ..storage.models import OrgUnit, Person, Resource
from .access import may_submit
from .places import compounds_for
from .records import load_need
from .tasklist import MANAGE_ACTION

NAME_MAX, CONTACT_MAX, AVAILABILITY_MAX = 200, 200, 500
CAPACITY_MAX = 2**31 - 1  # resources.capacity is a 32-bit integer column


@dataclass(frozen=True)
class ResourceView:
    """A resource as plain values."""

    id: int
    provider_name: str
    provider_person_id: int | None
    unit_id: int
    unit_name: str
    tags: tuple[str, ...]
    contact: str | None
    capacity: int | None
    availability: str | None
    active: bool
    created_by: int | None
    created_at: datetime

    @classmethod
    def of(cls, session: Session, resource: Resource) -> ResourceView:
        unit = session.get(OrgUnit, resource.unit_id)
        return cls(resource.id, resource.provider_name, resource.provider_person_id, resource.unit_id, unit.name,
                   tuple(resource.tags or ()), resource.contact, resource.capacity, resource.availability,
                   resource.active, resource.created_by, resource.created_at)


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def add_resource(session: Session, provider_name: str, unit_id: int, tags: list[str], *, contact: str | None = None,
                 capacity: int | None = None, availability: str | None = None, provider_person_id: int | None = None,
                 created_by: int | None = None, policy: NeedsPolicy,
                 now: datetime | None = None) -> ResourceView:
    """Register a resource offered at a unit (created_by None = trusted CLI; otherwise the creator needs a
    role in, below or above the unit). Tags are need category ids."""
    errors = []
    name = (provider_name or "").strip()
    if not name or len(name) > NAME_MAX:
        errors.append(("provider_name", "resource.err.name"))
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    if unit is None:
        errors.append(("unit_id", "resource.err.unit"))
    tags = list(dict.fromkeys(tags or []))
    if not tags or any(policy.category(tag) is None for tag in tags):
        errors.append(("tags", "resource.err.tags"))
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 0 < capacity <= CAPACITY_MAX):
        errors.append(("capacity", "resource.err.capacity"))
    for field, value, limit in (("contact", contact, CONTACT_MAX), ("availability", availability, AVAILABILITY_MAX)):
        if len(_text(value) or "") > limit:
            errors.append((field, "resource.err.too_long"))
    if provider_person_id is not None and session.get(Person, provider_person_id) is None:
        errors.append(("provider_person_id", "resource.err.person"))
    if errors:
        raise Invalid(errors)
    if created_by is not None and not may_submit(session, created_by, unit):
        raise NotAllowed("need.err.not_allowed")
    resource = Resource(provider_name=name, provider_person_id=provider_person_id, unit_id=unit.id, tags=tags,
                        contact=_text(contact), capacity=capacity,
                        availability=_text(availability), active=True, created_by=created_by,
                        created_at=now_or(now))
    session.add(resource)
    session.flush()
    audit.record(session, "resource_add", actor_id=created_by, unit_id=unit.id, subject=name,
                 after=_state(resource), now=now)
    return ResourceView.of(session, resource)


def _state(resource: Resource) -> dict:
    return {"resource_id": resource.id, "provider_name": resource.provider_name, "tags": list(resource.tags),
            "capacity": resource.capacity, "availability": resource.availability, "active": resource.active}


def deactivate_resource(session: Session, resource_id: int, person_id: int | None = None) -> ResourceView:
    """Withdraw a resource (kept for the record). Allowed to its creator, its provider, the coordinators
    above its unit, and the trusted CLI (person None)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("resource.err.not_found", id=resource_id)
    if person_id is not None and person_id not in (resource.created_by, resource.provider_person_id) and \
            not can(session, person_id, MANAGE_ACTION, resource.unit_id):
        raise NotAllowed("need.err.not_allowed")
    before = _state(resource)
    resource.active = False
    session.flush()
    audit.record(session, "resource_deactivate", actor_id=person_id, unit_id=resource.unit_id,
                 subject=resource.provider_name, before=before, after=_state(resource))
    return ResourceView.of(session, resource)


def list_resources(session: Session, unit_id: int, include_inactive: bool = False) -> list[ResourceView]:
    """Resources offered at the unit or anywhere below it."""
    query = select(Resource).where(Resource.unit_id.in_(subtree_ids(session, unit_id)))
    if not include_inactive:
        query = query.where(Resource.active.is_(True))
    return [ResourceView.of(session, r) for r in session.scalars(query.order_by(Resource.id))]


def matching_resources(session: Session, need_id: int) -> list[ResourceView]:
    """Active resources tagged with the need's category at its building, its compound or above, nearest
    first."""
    need = load_need(session, need_id)
    chain = ancestry(session, need.compound) + ([need.building] if need.building else [])
    depth = {unit.id: unit.depth for unit in chain}
    found = session.scalars(select(Resource).where(Resource.active.is_(True), Resource.unit_id.in_(list(depth))))
    matches = [r for r in found if need.category in (r.tags or [])]
    matches.sort(key=lambda r: (-depth[r.unit_id], r.id))
    return [ResourceView.of(session, r) for r in matches]


def manageable_units(session: Session, person_id: int, limit: int) -> list[tuple[int, str]]:
    """(id, breadcrumb) of the units where the person may keep resources: their outermost units, then the
    compounds below them (at most limit + 1, so a caller can tell there are more)."""
    found = {u.id: breadcrumb(session, u) for u in outermost_units(session, person_id, MANAGE_ACTION)}
    for unit_id, path in compounds_for(session, person_id):
        if unit_id not in found and can(session, person_id, MANAGE_ACTION, unit_id):
            found[unit_id] = path
        if len(found) > limit:
            break
    return list(found.items())[:limit + 1]


def resources_managed_by(session: Session, person_id: int | None) -> list[ResourceView] | None:
    """The active resources under the person's outermost manageable units; None when they manage none."""
    roots = outermost_units(session, person_id, MANAGE_ACTION)
    return [r for root in roots for r in list_resources(session, root.id)] if roots else None


def resource_unit(session: Session, person_id: int | None, ref: str,
                  by_id: bool = True) -> tuple[tuple[int, str] | None, str | None]:
    """((id, breadcrumb), None) of the unit `ref` names (typed, `by_id=False`: never by row id) if the person may
    keep resources there, else (None, message key): unknown, ambiguous, or not allowed (households never hold
    resources)."""
    try:
        unit = find_unit(session, ref, by_id=by_id)
    except AmbiguousUnit:
        return None, "resform.unit_ambiguous"
    if unit is None:
        return None, "resform.unit_unknown"
    if unit.level == "household" or not can(session, person_id, MANAGE_ACTION, unit):
        return None, "resform.unit_not_allowed"
    return (unit.id, breadcrumb(session, unit)), None
