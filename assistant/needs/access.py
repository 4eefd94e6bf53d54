"""Who may file and who may handle a need (the permission table applied to a need's place and level)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..org.permissions import ACTIONS, ADMIN, bindings, can
from ..storage.models import Need, OrgUnit


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
