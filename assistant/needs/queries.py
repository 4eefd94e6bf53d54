"""Reading needs: mine, todo, detail (with the phone masked unless the viewer may see it), lists, and who
to notify of an event (notifications as data: the channel layer sends them).

Who sees a consented resident's phone in full — and the phone and ID-card numbers typed into the need's
description and notes: the submitter, the need's current assignees (the party it was routed to and whoever
signed for it; handing it back ends that) and admins, on the need's card (`detail`). Everyone else, and every
list, notification and export, gets them masked (138****5678)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..org.people import is_admin, mask_phone
from ..org.permissions import ACTIONS, ADMIN, bindings
from ..org.tree import subtree_ids
from ..storage.models import (
    NEED_EVENT_KINDS,
    ChannelAccount,
    Need,
    NeedEvent,
    OrgUnit,
    Person,
    ReturnVisit,
    need_assignees,
)
from . import pii
from .access import visible
from .records import joiner_ids, load_need, load_person
from .resources import ResourceView, matching_resources
from .tasklist import COORDINATOR_ROLES, coordinators, people_with_roles
from .views import OPEN_STATUSES, WAITING_ACCEPT, EventView, NeedView


@dataclass(frozen=True)
class VisitView:
    """One return visit's answers."""

    contacted: bool
    solved: bool
    satisfaction: str
    by_id: int | None
    at: datetime


@dataclass(frozen=True)
class NeedDetail:
    """A need with its history. `resident_phone`, `description` and the events' notes are in full only for the
    submitter, assignees and admins (`phone_masked` False); `need` is masked for everyone."""

    need: NeedView
    resident_phone: str
    phone_masked: bool
    description: str
    submitter_name: str
    assignees: tuple[tuple[int, str], ...]  # (person id, name)
    joiner_ids: tuple[int, ...]
    events: tuple[EventView, ...]
    visits: tuple[VisitView, ...]


@dataclass(frozen=True)
class Recipient:
    """One chat account to tell about an event."""

    person_id: int
    channel: str
    external_id: str
    language_code: str | None


def _views(session: Session, query) -> list[NeedView]:
    return [NeedView.of(need) for need in session.scalars(query)]


def mine(session: Session, person_id: int, limit: int = 50) -> list[NeedView]:
    """Needs the person filed or joined, newest first."""
    joined = select(NeedEvent.need_id).where(NeedEvent.kind == "joined", NeedEvent.actor_id == person_id)
    query = select(Need).where(or_(Need.submitter_id == person_id, Need.id.in_(joined)))
    return _views(session, query.order_by(Need.created_at.desc(), Need.id.desc()).limit(limit))


def handling_unit_ids(session: Session, person_id: int) -> list[int]:
    """Units where the person holds a role that handles needs (or admin)."""
    allowed = ACTIONS["handle_need"] | {ADMIN}
    return sorted({b.unit_id for b in bindings(session, person_id) if b.role in allowed})


def _due(view: NeedView) -> datetime:
    return view.accept_due_at if view.status in WAITING_ACCEPT else view.resolve_due_at


def todo(session: Session, person_id: int, limit: int = 100) -> list[NeedView]:
    """Open needs assigned to the person or sitting at a unit where they hold a handling role, next deadline
    first."""
    assigned = select(need_assignees.c.need_id).where(need_assignees.c.person_id == person_id)
    query = select(Need).where(Need.status.in_(OPEN_STATUSES), or_(
        Need.id.in_(assigned), Need.level_unit_id.in_(handling_unit_ids(session, person_id))))
    views = _views(session, query.order_by(Need.id))
    return sorted(views, key=lambda v: (_due(v), v.id))[:limit]


def detail(session: Session, need_id: int, viewer_person_id: int) -> NeedDetail:
    """The need and its full history with actor names; NotFound, as for no such need, for someone with no
    business seeing it (the reply tells nothing of needs outside the viewer's scope)."""
    viewer = load_person(session, viewer_person_id)
    need = visible(session, load_need(session, need_id), viewer.id)
    full = viewer.id == need.submitter_id or any(p.id == viewer.id for p in need.assignees) or is_admin(viewer)
    shown = (lambda text: text) if full else pii.mask
    rows = session.execute(select(NeedEvent, Person.name).outerjoin(Person, Person.id == NeedEvent.actor_id)
                           .where(NeedEvent.need_id == need.id).order_by(NeedEvent.at, NeedEvent.id))
    events = tuple(EventView(e.id, e.kind, e.actor_id, name, e.note and shown(e.note), dict(e.data or {}), e.at)
                   for e, name in rows)
    visits = tuple(VisitView(v.contacted, v.solved, v.satisfaction, v.by_id, v.at) for v in session.scalars(
        select(ReturnVisit).where(ReturnVisit.need_id == need.id).order_by(ReturnVisit.at, ReturnVisit.id)))
    phone = need.resident_phone or ""
    return NeedDetail(
        need=NeedView.of(need), resident_phone=phone if full else mask_phone(phone), phone_masked=not full,
        description=shown(need.description),
        submitter_name=need.submitter.name, assignees=tuple((p.id, p.name) for p in need.assignees),
        joiner_ids=tuple(joiner_ids(session, need.id)), events=events, visits=visits,
    )


def count_needs(session: Session) -> int:
    """How many needs have been filed, in any status."""
    return session.scalar(select(func.count(Need.id)))


def list_needs(session: Session, unit_id: int | None = None, status: str | None = None,
               limit: int = 100) -> list[NeedView]:
    """Needs filed in the unit's subtree (all when None), optionally of one status, newest first (for the CLI)."""
    query = select(Need)
    if unit_id is not None:
        if session.get(OrgUnit, unit_id) is None:
            raise NotFound("need.err.unit_not_found", id=unit_id)
        ids = subtree_ids(session, unit_id)
        query = query.where(or_(Need.compound_id.in_(ids), Need.building_id.in_(ids)))
    if status is not None:
        query = query.where(Need.status == status)
    return _views(session, query.order_by(Need.created_at.desc(), Need.id.desc()).limit(limit))


def _escalated_from(session: Session, need: Need) -> OrgUnit:
    """The level the need's latest escalation left (its compound when it never went up)."""
    data = session.scalars(select(NeedEvent.data).where(NeedEvent.need_id == need.id, NeedEvent.kind == "escalated")
                           .order_by(NeedEvent.at.desc(), NeedEvent.id.desc())).first() or {}
    return session.get(OrgUnit, data.get("from_unit_id") or need.compound_id)


def recipient_ids(session: Session, need: Need, event_kind: str) -> list[int]:
    """Who hears of an event: the submitter and joiners always; assignees and the compound's branch for a new
    need; the coordinators at the level for an escalation or a hand-back (an escalation: the level it left too,
    e.g. the branch secretary when it goes past the compound); the responsible party when another report joins;
    the assignees and whoever resolved it when the return visit closes or reopens it."""
    if event_kind not in NEED_EVENT_KINDS:
        raise ValueError(f"unknown event kind {event_kind!r}; known: {', '.join(NEED_EVENT_KINDS)}")
    ids = [need.submitter_id, *joiner_ids(session, need.id)]
    assignees = [p.id for p in need.assignees]
    if event_kind in ("filed", "routed"):
        ids += assignees + people_with_roles(session, need.compound_id, COORDINATOR_ROLES["compound"])
    elif event_kind in ("escalated", "handed_back"):
        ids += coordinators(session, need.level_unit) + assignees
        if event_kind == "escalated":  # the level it left hears that it has gone up
            ids += coordinators(session, _escalated_from(session, need))
    elif event_kind == "joined":
        ids += assignees
    elif event_kind in ("reopened", "closed"):  # the visit's outcome: whoever resolved it hears too
        ids += assignees + _last_resolver(session, need)
    return list(dict.fromkeys(ids))


def _last_resolver(session: Session, need: Need) -> list[int]:
    """The person who last marked the need resolved (an assignee, or a coordinator who resolved it directly)."""
    actor = session.scalars(select(NeedEvent.actor_id).where(NeedEvent.need_id == need.id, NeedEvent.kind == "resolved")
                            .order_by(NeedEvent.at.desc(), NeedEvent.id.desc())).first()
    return [actor] if actor is not None else []


def recipients(session: Session, need_id: int, event_kind: str, *,
               exclude_person_id: int | None = None) -> list[Recipient]:
    """The chat accounts to notify of `event_kind` on the need (the actor can be left out)."""
    need = load_need(session, need_id)
    return accounts_for(session, [pid for pid in recipient_ids(session, need, event_kind) if pid != exclude_person_id])


def accounts_for(session: Session, person_ids: list[int]) -> list[Recipient]:
    """The chat accounts of these people, in the order given."""
    if not person_ids:
        return []
    accounts = session.scalars(select(ChannelAccount).where(ChannelAccount.person_id.in_(person_ids))
                               .order_by(ChannelAccount.channel, ChannelAccount.id))
    order = {pid: i for i, pid in enumerate(person_ids)}
    found = sorted(accounts, key=lambda a: (order[a.person_id], a.channel, a.id))
    return [Recipient(a.person_id, a.channel, a.external_id, a.language_code) for a in found]


@dataclass(frozen=True)
class NeedNotice:
    """Everything a notification of one event on a need says, and to whom it goes."""

    view: NeedView
    actor_name: str | None
    resources: tuple[ResourceView, ...]  # offered with a new need (clause 10); empty for other events
    recipients: tuple[Recipient, ...]


def need_notice(session: Session, need_id: int, event_kind: str, actor_id: int | None = None) -> NeedNotice:
    """The need, the actor's name, the matching resources (for "filed") and the recipients (not the actor)."""
    view = NeedView.of(load_need(session, need_id))
    actor = load_person(session, actor_id).name if actor_id else None
    resources = matching_resources(session, need_id) if event_kind == "filed" else []
    return NeedNotice(view, actor, tuple(resources),
                      tuple(recipients(session, need_id, event_kind, exclude_person_id=actor_id)))
