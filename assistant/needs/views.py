"""The needs domain's plain views: statuses and frozen dataclasses of plain values, safe after the session."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..messages import t
from ..org.people import mask_phone
from ..storage.models import Need
from . import pii

OPEN_STATUSES: tuple[str, ...] = ("new", "accepted", "in_progress", "reopened", "handed_back")
WAITING_ACCEPT: tuple[str, ...] = ("new", "reopened", "handed_back")
WAITING_RESOLVE: tuple[str, ...] = ("accepted", "in_progress")


@dataclass(frozen=True)
class NeedView:
    """A need as plain values. The resident's phone, and any phone or ID-card number in the description, appear
    only masked here (see NeedDetail)."""

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
    entrance: int | None
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
            description=pii.mask(need.description), urgency=need.urgency, compound_id=need.compound_id,
            compound_name=need.compound.name, building_id=need.building_id,
            building_name=need.building.name if need.building else None, entrance=need.entrance,
            level_unit_id=need.level_unit_id,
            level_unit_name=need.level_unit.name, level=need.level_unit.level, resident_name=need.resident_name,
            resident_phone_masked=mask_phone(need.resident_phone), consent=need.consent,
            photo_file_id=need.photo_file_id, submitter_id=need.submitter_id, party_type=need.party_type,
            responsible_party=need.responsible_party, assignee_ids=tuple(sorted(p.id for p in need.assignees)),
            accept_due_at=need.accept_due_at, resolve_due_at=need.resolve_due_at, accepted_at=need.accepted_at,
            resolved_at=need.resolved_at, closed_at=need.closed_at, created_at=need.created_at,
            updated_at=need.updated_at, parent_id=need.parent_id,
        )


def place_text(compound: str, building: str | None, entrance: int | None, lang: str | None) -> str:
    """Where a need is, as cards and workbooks show it: "梅园新村 3栋 2单元"."""
    parts = [compound, building or "", t("need.entrance", lang, n=entrance) if entrance else ""]
    return " ".join(p for p in parts if p)


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


def event_text(kind: str, data: dict | None, note: str | None, lang: str | None) -> str:
    """One history entry in words, as cards and workbooks show it: the target of a routing or an escalation,
    the answers of a return visit, and the note of anything else (a routing's note is its party)."""
    data = data or {}
    if kind == "visit":
        yes_no = lambda v: t("need.yes" if v else "need.no", lang)
        satisfaction = data.get("satisfaction")
        return t("need.event.visit_answers", lang, contacted=yes_no(data.get("contacted")), solved=yes_no(data.get("solved")),
                 satisfaction=t(f"need.satisfaction.{satisfaction}", lang) if satisfaction else "—")
    what = t(f"need.event.{kind}", lang, party=note or "", unit=data.get("to_unit_name", ""))
    return t("need.event.with_note", lang, what=what, note=note) if note and kind != "routed" else what
