"""Reading and writing a need's rows: load (row-locked when asked), the person, the append-only event history.

Events are only ever added (`add_event`); nothing in the services updates or deletes one.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import MAX_ID, NotFound
from ..storage.models import Need, NeedEvent, Person


def load_need(session: Session, need_id: int, lock: bool = False) -> Need:
    """The need (freshly read; row-locked on PostgreSQL when `lock`), or NotFound."""
    if not 0 < need_id <= MAX_ID:  # no such row (and SQLite cannot even bind the number)
        raise NotFound("need.err.not_found", id=need_id)
    query = select(Need).where(Need.id == need_id).execution_options(populate_existing=True)
    need = session.scalars(query.with_for_update() if lock else query).first()
    if need is None:
        raise NotFound("need.err.not_found", id=need_id)
    return need


def load_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("need.err.person_not_found", id=person_id)
    return person


def add_event(session: Session, need: Need, kind: str, at: datetime, actor_id: int | None = None,
              note: str | None = None, **data: Any) -> NeedEvent:
    """Append one event to the need's history."""
    event = NeedEvent(need_id=need.id, kind=kind, actor_id=actor_id, note=note, data=data or {}, at=at)
    session.add(event)
    session.flush()
    return event


def joiner_ids(session: Session, need_id: int) -> list[int]:
    """People who joined their report to this need (they follow it like its submitter)."""
    query = select(NeedEvent.actor_id).where(NeedEvent.need_id == need_id, NeedEvent.kind == "joined",
                                             NeedEvent.actor_id.is_not(None)).distinct()
    return sorted(session.scalars(query))
