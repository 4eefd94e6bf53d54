"""Who may file and who may handle a need (the permission table applied to a need's place and level)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..org.permissions import ACTIONS, ADMIN, bindings, can
from ..storage.models import Need, OrgUnit
from .records import joiner_ids


def may_submit(session: Session, person_id: int, compound: OrgUnit) -> bool:
    """Whether the person may file a need in the compound: a submit role bound in it, below it or above it."""
    allowed = ACTIONS["submit_need"]
    for binding in bindings(session, person_id):
        if binding.role == ADMIN:
            return True
        if binding.role in allowed and (binding.unit.path.startswith(compound.path)
                                        or compound.path.startswith(binding.unit.path)):
            return True
    return False


def may_handle(session: Session, need: Need, person_id: int) -> bool:
    """An assignee, or someone allowed to handle needs at the need's current level (or above it)."""
    return any(p.id == person_id for p in need.assignees) or can(session, person_id, "handle_need", need.level_unit)


def may_view(session: Session, need: Need, person_id: int) -> bool:
    """Submitter, joiner, assignee, or a handling role covering the need's place or its current level (other
    residents do not see each other's needs)."""
    if person_id == need.submitter_id or any(p.id == person_id for p in need.assignees):
        return True
    if person_id in joiner_ids(session, need.id):
        return True
    places = (need.building or need.compound, need.level_unit)
    return any(can(session, person_id, "handle_need", unit) for unit in places)


def visible(session: Session, need: Need, person_id: int) -> Need:
    """The need, or NotFound exactly as for an id that does not exist when the person may not see it."""
    if not may_view(session, need, person_id):
        raise NotFound("need.err.not_found", id=need.id)
    return need
