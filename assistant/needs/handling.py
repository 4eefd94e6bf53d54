"""Handling a need and closing the loop: accept, progress, resolve, hand back, return visit.

State machine (anything else raises InvalidTransition):

    new / reopened / handed_back --accept--> accepted --progress--> in_progress --resolve--> resolved
    new / reopened / accepted / in_progress --hand_back--> handed_back (back to the coordinators)
    resolved --visit: solved--> closed            resolved --visit: not solved--> reopened (fresh deadlines)

Handlers are the need's assignees or anyone allowed to handle needs at its current level unit or above it.
Each step locks the need's row (PostgreSQL), so two people cannot both accept it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, InvalidTransition, NotAllowed, now_or
from ..org.permissions import can
from ..policy import NeedsPolicy
from ..storage.models import SATISFACTION, Need, NeedEvent, Person, ReturnVisit
from .access import may_handle, visible
from .records import add_event, load_need, load_person
from .views import NeedView

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": (("new", "reopened", "handed_back"), "accepted"),
    "progress": (("accepted", "in_progress"), "in_progress"),
    "resolve": (("accepted", "in_progress"), "resolved"),
    "hand_back": (("new", "reopened", "accepted", "in_progress"), "handed_back"),
    "visit": (("resolved",), "closed"),  # or "reopened" when not solved
}
NOTE_MAX = 2000


def allowed_actions(status: str) -> list[str]:
    """The steps the state machine allows from `status`."""
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def _step(session: Session, need_id: int, person_id: int, action: str) -> Need:
    """Load and lock the need, then check the person may handle it and the status allows `action`."""
    need = load_need(session, need_id, lock=True)
    load_person(session, person_id)
    visible(session, need, person_id)  # outside the person's scope: as if there were no such need
    if not may_handle(session, need, person_id):
        raise NotAllowed("need.err.not_allowed")
    _check_status(need, action)
    return need


def _check_status(need: Need, action: str) -> None:
    if need.status not in TRANSITIONS[action][0]:
        raise InvalidTransition("need.err.transition", ticket=need.ticket, status=need.status, action=action)


def _note(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid([(field, "need.err.note_empty")])
    if len(text) > NOTE_MAX:
        raise Invalid([(field, "need.err.note_long")])
    return text


def accept(session: Session, need_id: int, person_id: int, now: datetime | None = None) -> NeedView:
    """Sign for the need (签收); the person becomes an assignee if not one already."""
    now = now_or(now)
    need = _step(session, need_id, person_id, "accept")
    if all(p.id != person_id for p in need.assignees):
        need.assignees.append(session.get(Person, person_id))
    need.status, need.accepted_at, need.updated_at = "accepted", now, now
    add_event(session, need, "accepted", now, person_id)
    return NeedView.of(need)


def post_progress(session: Session, need_id: int, person_id: int, note: str, now: datetime | None = None) -> NeedView:
    """Report progress on an accepted need (status in_progress)."""
    now = now_or(now)
    text = _note(note, "note")
    need = _step(session, need_id, person_id, "progress")
    need.status, need.updated_at = "in_progress", now
    add_event(session, need, "progress", now, person_id, text)
    return NeedView.of(need)


def resolve(session: Session, need_id: int, person_id: int, note: str, now: datetime | None = None) -> NeedView:
    """Report the need solved; it waits for the return visit."""
    now = now_or(now)
    text = _note(note, "note")
    need = _step(session, need_id, person_id, "resolve")
    need.status, need.resolved_at, need.updated_at = "resolved", now, now
    add_event(session, need, "resolved", now, person_id, text)
    return NeedView.of(need)


def hand_back(session: Session, need_id: int, person_id: int, reason: str, now: datetime | None = None, *,
              policy: NeedsPolicy) -> NeedView:
    """Return the need to the coordinators at its level (退单): the person stops being an assignee and the
    accept deadline starts afresh for whoever takes it."""
    now = now_or(now)
    text = _note(reason, "reason")
    need = _step(session, need_id, person_id, "hand_back")
    was_assignee = any(p.id == person_id for p in need.assignees)
    need.assignees = [p for p in need.assignees if p.id != person_id]
    need.status, need.updated_at = "handed_back", now
    need.accept_due_at = policy.deadlines(need.urgency, now)[0]
    add_event(session, need, "handed_back", now, person_id, text, was_assignee=was_assignee,
              accept_due_at=need.accept_due_at.isoformat())
    return NeedView.of(need)


def resolver_ids(session: Session, need_id: int) -> set[int]:
    """Who marked the need resolved since it was last (re)opened: they may not record its return visit."""
    kinds = session.execute(select(NeedEvent.kind, NeedEvent.actor_id).where(
        NeedEvent.need_id == need_id, NeedEvent.kind.in_(("resolved", "reopened"))).order_by(NeedEvent.at, NeedEvent.id))
    found: set[int] = set()
    for kind, actor in kinds:
        found = set() if kind == "reopened" else found | ({actor} if actor is not None else set())
    return found


def record_visit(session: Session, need_id: int, person_id: int, contacted: bool, solved: bool, satisfaction: str,
                 now: datetime | None = None, *, policy: NeedsPolicy) -> NeedView:
    """回访 after resolution (Beijing 12345's three questions). Solved closes the need; not solved reopens it
    at its level with fresh SLA deadlines, for its responsible party to accept again.

    Independent of the resolution, as 12345 keeps it: recorded by the submitter, or by someone allowed to handle
    needs at the need's level who called the resident contact recorded with consent; never by whoever resolved it."""
    now = now_or(now)
    if satisfaction not in SATISFACTION:
        raise Invalid([("satisfaction", "need.err.satisfaction")])
    need = load_need(session, need_id, lock=True)
    load_person(session, person_id)
    visible(session, need, person_id)
    _check_status(need, "visit")
    if person_id in resolver_ids(session, need.id):
        raise NotAllowed("need.err.visit_resolver")
    if person_id != need.submitter_id and not (
            need.consent and need.resident_phone and can(session, person_id, "handle_need", need.level_unit)):
        raise NotAllowed("need.err.visit_not_allowed")
    session.add(ReturnVisit(need_id=need.id, contacted=bool(contacted), solved=bool(solved),
                            satisfaction=satisfaction, by_id=person_id, at=now))
    add_event(session, need, "visit", now, person_id, None, contacted=bool(contacted), solved=bool(solved),
              satisfaction=satisfaction)
    need.updated_at = now
    if solved:
        need.status, need.closed_at = "closed", now
        add_event(session, need, "closed", now, person_id)
    else:
        need.status, need.resolved_at = "reopened", None
        need.accept_due_at, need.resolve_due_at = policy.deadlines(need.urgency, now)
        add_event(session, need, "reopened", now, person_id, None, accept_due_at=need.accept_due_at.isoformat(),
                  resolve_due_at=need.resolve_due_at.isoformat())
    return NeedView.of(need)
