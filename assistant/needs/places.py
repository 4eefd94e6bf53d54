"""Places a worker may file needs for: the compounds of their subtree and the buildings in each."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org.permissions import compounds_where
from ..org.tree import breadcrumb
from ..storage.models import OrgUnit
from .freetext import building_number


def compounds_for(session: Session, person_id: int) -> list[tuple[int, str]]:
    """(id, breadcrumb) of the compounds in the person's subtrees, in tree order (org.permissions.compounds_where:
    a worker bound below a compound, a building leader, gets the compound their building belongs to)."""
    return [(u.id, breadcrumb(session, u)) for u in compounds_where(session, person_id)]


def compound_named(session: Session, person_id: int, text: str) -> int | None:
    """The person's compound whose name appears in the text ("锦绣华庭2栋…"), if exactly one does."""
    hits = [u.id for u in compounds_where(session, person_id) if u.name and u.name in (text or "")]
    return hits[0] if len(hits) == 1 else None


def buildings_of(session: Session, compound_id: int) -> list[tuple[int, str]]:
    """(id, name) of the compound's buildings, in number order."""
    units = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == compound_id, OrgUnit.level == "building"))
    return sorted(((u.id, u.name) for u in units), key=lambda pair: (building_number(pair[1]) or 10**6, pair[1]))


def match_building(buildings: list[tuple[int, str]], number: int | None) -> int | None:
    """The building whose name carries `number` ("3栋" for 3), if exactly one does."""
    if number is None:
        return None
    hits = [bid for bid, name in buildings if building_number(name) == number]
    return hits[0] if len(hits) == 1 else None


def compound_path(session: Session, compound_id: int) -> str:
    """The compound's breadcrumb (街道 > 社区 > 小区)."""
    return breadcrumb(session, session.get(OrgUnit, compound_id))


def unit_name(session: Session, unit_id: int) -> str:
    """The unit's own name (a building's "3栋")."""
    return session.get(OrgUnit, unit_id).name
