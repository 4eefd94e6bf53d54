"""Sample needs for a first try (`assistant demo`): read from a CSV (compound, building, category, urgency,
description) and filed like any other need."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..org.tree import find_compound
from ..policy import NeedsPolicy
from .filing import NeedDraft, file_need
from .places import buildings_of
from .queries import count_needs


def file_samples(session: Session, policy: NeedsPolicy, person_id: int, path: Path) -> int:
    """File the file's needs as `person_id` when no need exists yet; how many were filed."""
    if count_needs(session):
        return 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        compound = find_compound(session, row["compound"])
        if compound is None:
            raise NotFound("org.unit_not_found", unit=row["compound"])
        buildings = {name: bid for bid, name in buildings_of(session, compound[0])}
        file_need(session, policy, person_id, NeedDraft(
            compound_id=compound[0], building_id=buildings.get(row["building"]), category=row["category"],
            description=row["description"], urgency=row["urgency"]))
    return len(rows)
