"""Six-level escalation (一、总体目标 "六级联动抓到底"): a need whose deadline passed moves one level up.

A need waiting to be accepted past its accept deadline, or an accepted one past its resolve deadline, moves
to the next unit of the policy's chain (building → compound → community → street → district, never above the
last) with fresh deadlines counted from `now` (the periodic job, with its notices: alerts.run_escalation). Each move is
an Escalation row unique per (need, deadline kind, deadline time): running the job twice, or in two
processes at once, never moves a need twice for the same missed deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import now_or
from ..org.tree import ancestry
from ..policy import NeedsPolicy
from ..storage.models import LEVELS, Escalation, Need, OrgUnit
from ..storage import kv
from .queries import Recipient, accounts_for
from .tasklist import coordinators
from .records import add_event, load_need
from .views import WAITING_ACCEPT, WAITING_RESOLVE, NeedView


@dataclass(frozen=True)
class EscalationView:
    """One move up the chain (who is told: queries.recipients(..., "escalated"))."""

    need: NeedView
    deadline_kind: str  # accept | resolve
    deadline_at: datetime
    from_unit_id: int
    from_unit_name: str
    from_level: str
    to_unit_id: int
    to_unit_name: str
    to_level: str


def next_unit(session: Session, policy: NeedsPolicy, unit: OrgUnit) -> OrgUnit | None:
    """The ancestor at the next level of the chain above `unit`, or None at the top."""
    depth = LEVELS.index(unit.level)
    higher = [level for level in policy.escalation_chain if LEVELS.index(level) < depth]
    if not higher:
        return None
    return next((u for u in ancestry(session, unit) if u.level == higher[0]), None)


def missed_deadline(need: Need, now: datetime) -> tuple[str, datetime] | None:
    """("accept", due) or ("resolve", due) when the need is past the deadline its status waits for."""
    if need.status in WAITING_ACCEPT and need.accept_due_at <= now:
        return "accept", need.accept_due_at
    if need.status in WAITING_RESOLVE and need.resolve_due_at <= now:
        return "resolve", need.resolve_due_at
    return None


def due_need_ids(session: Session, now: datetime) -> list[int]:
    """Ids of the needs past the deadline their status waits for."""
    query = select(Need.id).where(or_(
        and_(Need.status.in_(WAITING_ACCEPT), Need.accept_due_at <= now),
        and_(Need.status.in_(WAITING_RESOLVE), Need.resolve_due_at <= now),
    )).order_by(Need.id)
    return list(session.scalars(query))


def escalate_due(session: Session, policy: NeedsPolicy, now: datetime | None = None) -> list[EscalationView]:
    """Move every overdue open need one level up; returns what moved (the caller commits and notifies)."""
    now = now_or(now)
    moved = []
    for need_id in due_need_ids(session, now):
        need = load_need(session, need_id, lock=True)  # re-read under the row lock: another run may have moved it
        missed = missed_deadline(need, now)
        target = next_unit(session, policy, need.level_unit) if missed else None
        if target is None:
            continue
        view = _escalate(session, policy, need, missed, target, now)
        if view is not None:
            moved.append(view)
    return moved


def _escalate(session: Session, policy: NeedsPolicy, need: Need, missed: tuple[str, datetime], target: OrgUnit,
              now: datetime) -> EscalationView | None:
    kind, deadline = missed
    source = need.level_unit
    savepoint = session.begin_nested()
    try:
        session.add(Escalation(need_id=need.id, deadline_kind=kind, deadline_at=deadline, from_unit_id=source.id,
                               to_unit_id=target.id, at=now))
        session.flush()
    except IntegrityError:
        savepoint.rollback()  # already escalated for this deadline
        return None
    accept_due, resolve_due = policy.deadlines(need.urgency, now)
    if kind == "accept":
        need.accept_due_at = accept_due
    need.resolve_due_at = resolve_due
    need.level_unit, need.updated_at = target, now
    add_event(session, need, "escalated", now, None, None, deadline_kind=kind, deadline_at=deadline.isoformat(),
              from_unit_id=source.id, to_unit_id=target.id, to_unit_name=target.name)
    savepoint.commit()
    return EscalationView(
        need=NeedView.of(need), deadline_kind=kind, deadline_at=deadline, from_unit_id=source.id,
        from_unit_name=source.name, from_level=source.level, to_unit_id=target.id, to_unit_name=target.name,
        to_level=target.level,
    )


WARNED = "deadline_warnings"  # kv namespace: "need id:kind:deadline" of every 临期预警 sent


@dataclass(frozen=True)
class DeadlineWarning:
    """A 临期预警: the need's `kind` deadline (accept | resolve) is near, and who is told."""

    need: NeedView
    kind: str
    due: datetime
    recipients: tuple[Recipient, ...]


def warn_due(session: Session, policy: NeedsPolicy, now: datetime | None = None) -> list[DeadlineWarning]:
    """Every open need past policy.warn_at_share of the window its status waits for and not yet overdue, once
    per deadline: its assignees are told (with none, the coordinators at its level). The caller commits."""
    now = now_or(now)
    found = []
    for kind, statuses, column in (("accept", WAITING_ACCEPT, Need.accept_due_at),
                                   ("resolve", WAITING_RESOLVE, Need.resolve_due_at)):
        near = or_(*(and_(Need.urgency == u, column <= now + policy.warn_before(u, kind)) for u in policy.urgencies))
        for need in session.scalars(select(Need).where(Need.status.in_(statuses), column > now, near).order_by(Need.id)):
            due = getattr(need, f"{kind}_due_at")
            key = f"{need.id}:{kind}:{due.isoformat()}"
            if kv.get(session, WARNED, key) is not None:
                continue
            kv.put(session, WARNED, key, now.isoformat())
            people = [p.id for p in need.assignees] or coordinators(session, need.level_unit)
            found.append(DeadlineWarning(NeedView.of(need), kind, due, tuple(accounts_for(session, people))))
    return found


def escalations(session: Session, need_id: int) -> list[tuple[str, datetime, int, int, datetime]]:
    """The need's escalations as (deadline_kind, deadline_at, from_unit_id, to_unit_id, at), oldest first."""
    rows = session.execute(select(Escalation.deadline_kind, Escalation.deadline_at, Escalation.from_unit_id,
                                  Escalation.to_unit_id, Escalation.at)
                           .where(Escalation.need_id == need_id).order_by(Escalation.id))
    return [tuple(row) for row in rows]
