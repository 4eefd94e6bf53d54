"""Shared parts of the needs services: errors carrying catalogue keys, plain views, event writing, loading.

Views are frozen dataclasses of plain values, safe to use after the session has closed. Events are only ever
added (`add_event`); nothing in the services updates or deletes one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import t
from ..storage.models import Need, NeedEvent, OrgUnit, Person, utcnow
from ..org.people import mask_phone
from ..org.permissions import ACTIONS, ADMIN, bindings, can

OPEN_STATUSES: tuple[str, ...] = ("new", "accepted", "in_progress", "reopened", "handed_back")
WAITING_ACCEPT: tuple[str, ...] = ("new", "reopened", "handed_back")
WAITING_RESOLVE: tuple[str, ...] = ("accepted", "in_progress")


class NeedError(Exception):
    """A refused needs operation; `key` is a catalogue key, `values` its placeholders."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(f"{key} {values}" if values else key)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.values)


class NotAllowed(NeedError, PermissionError):
    """The person may not do this to this need or unit."""


class InvalidTransition(NeedError):
    """The need's status does not allow this step (values: ticket, status, action)."""

    def message(self, lang: str | None = None) -> str:
        status = t(f"need.status.{self.values['status']}", lang)
        action = t(f"need.action.{self.values['action']}", lang)
        return t(self.key, lang, **{**self.values, "status": status, "action": action})


class ValidationError(NeedError, ValueError):
    """Bad input; `errors` lists (field, message key) pairs, `key` is the first one's."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors[0][1] if self.errors else "need.err.invalid")


class NotFound(NeedError, LookupError):
    """No need (or resource, route) with this id."""


@dataclass(frozen=True)
class NeedView:
    """A need as plain values. The resident's phone appears only masked here (see NeedDetail)."""

    id: int
    ticket: str
    status: str
    category: str
    description: str
    urgency: str
    compound_id: int
    compound_name: str
    building_id: int | None
    building_name: str | None
    level_unit_id: int
    level_unit_name: str
    level: str
    resident_name: str | None
    resident_phone_masked: str
    consent: bool
    photo_file_id: str | None
    submitter_id: int
    party_type: str | None
    responsible_party: str | None
    assignee_ids: tuple[int, ...]
    accept_due_at: datetime
    resolve_due_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    parent_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> str | None:
        """"accept" or "resolve" when that deadline has passed at `now`, else None."""
        if self.status in WAITING_ACCEPT and self.accept_due_at <= now:
            return "accept"
        if self.status in OPEN_STATUSES and self.resolve_due_at <= now:
            return "resolve"
        return None

    @classmethod
    def of(cls, need: Need) -> NeedView:
        return cls(
            id=need.id, ticket=need.ticket, status=need.status, category=need.category,
            description=need.description, urgency=need.urgency, compound_id=need.compound_id,
            compound_name=need.compound.name, building_id=need.building_id,
            building_name=need.building.name if need.building else None, level_unit_id=need.level_unit_id,
            level_unit_name=need.level_unit.name, level=need.level_unit.level, resident_name=need.resident_name,
            resident_phone_masked=mask_phone(need.resident_phone), consent=need.consent,
            photo_file_id=need.photo_file_id, submitter_id=need.submitter_id, party_type=need.party_type,
            responsible_party=need.responsible_party, assignee_ids=tuple(sorted(p.id for p in need.assignees)),
            accept_due_at=need.accept_due_at, resolve_due_at=need.resolve_due_at, accepted_at=need.accepted_at,
            resolved_at=need.resolved_at, closed_at=need.closed_at, created_at=need.created_at,
            updated_at=need.updated_at, parent_id=need.parent_id,
        )


@dataclass(frozen=True)
class EventView:
    """One history entry; actor None is the system (escalation)."""

    id: int
    kind: str
    actor_id: int | None
    actor_name: str | None
    note: str | None
    data: dict
    at: datetime


def now_or(now: datetime | None) -> datetime:
    """`now` if given (it must be timezone-aware), else the current UTC time."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass timezone-aware times")
    return now


def load_need(session: Session, need_id: int, lock: bool = False) -> Need:
    """The need (freshly read; row-locked on PostgreSQL when `lock`), or NotFound."""
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


def joiner_ids(session: Session, need_id: int) -> list[int]:
    """People who joined their report to this need (they follow it like its submitter)."""
    query = select(NeedEvent.actor_id).where(NeedEvent.need_id == need_id, NeedEvent.kind == "joined",
                                             NeedEvent.actor_id.is_not(None)).distinct()
    return sorted(session.scalars(query))
