"""The needs list (issue 4; clause 10 三个清单): needs, events, escalations, task routes, resources."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.storage.models.base import Base, _in, utcnow

if TYPE_CHECKING:
    from assistant.storage.models.org import OrgUnit, Person

# ---------------------------------------------------------------- needs list (issue 4; clause 10 三个清单)


NEED_STATUSES: tuple[str, ...] = ("new", "accepted", "in_progress", "resolved", "closed", "reopened", "handed_back")
URGENCIES: tuple[str, ...] = ("urgent", "normal")
NEED_EVENT_KINDS: tuple[str, ...] = (
    "filed", "joined", "routed", "accepted", "progress", "resolved", "handed_back", "escalated", "visit", "reopened",
    "closed",
)
DEADLINE_KINDS: tuple[str, ...] = ("accept", "resolve")
SATISFACTION: tuple[str, ...] = ("satisfied", "basically", "unsatisfied")

need_assignees = Table(
    "need_assignees", Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True),
)

task_route_persons = Table(
    "task_route_persons", Base.metadata,
    Column("route_id", ForeignKey("task_routes.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Need(Base):
    """A resident's need (需求清单): where it sits on the chain, who answers for it, its deadlines and status."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint(_in("status", NEED_STATUSES), name="status"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        Index("ix_needs_compound_created", "compound_id", "created_at"),
        Index("ix_needs_status_accept_due", "status", "accept_due_at"),
        Index("ix_needs_status_resolve_due", "status", "resolve_due_at"),
        Index("ix_needs_level_status", "level_unit_id", "status"),
        Index("ix_needs_category_created", "category", "created_at"),
        # digests (issue 7): period column first for district-wide ranges, compound first for a subtree's
        Index("ix_needs_created_compound", "created_at", "compound_id"),
        Index("ix_needs_accepted_compound", "accepted_at", "compound_id"),
        Index("ix_needs_resolved_compound", "resolved_at", "compound_id"),
        Index("ix_needs_accept_due_compound", "accept_due_at", "compound_id"),
        Index("ix_needs_resolve_due_compound", "resolve_due_at", "compound_id"),
        Index("ix_needs_compound_accepted", "compound_id", "accepted_at"),
        Index("ix_needs_compound_resolved", "compound_id", "resolved_at"),
        Index("ix_needs_compound_accept_due", "compound_id", "accept_due_at"),
        Index("ix_needs_compound_resolve_due", "compound_id", "resolve_due_at"),
        Index("ix_needs_compound_status", "compound_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    level_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    resident_name: Mapped[str | None] = mapped_column(String(100))
    resident_phone: Mapped[str | None] = mapped_column(String(32))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    entrance: Mapped[int | None] = mapped_column(Integer)  # 单元 of the building (migration 0008)
    status: Mapped[str] = mapped_column(String(16), default="new")
    submitter_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    party_type: Mapped[str | None] = mapped_column(String(32))
    responsible_party: Mapped[str | None] = mapped_column(String(200))
    accept_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)

    compound: Mapped[OrgUnit] = relationship(foreign_keys=[compound_id])
    building: Mapped[OrgUnit | None] = relationship(foreign_keys=[building_id])
    level_unit: Mapped[OrgUnit] = relationship(foreign_keys=[level_unit_id])
    submitter: Mapped[Person] = relationship(foreign_keys=[submitter_id])
    assignees: Mapped[list[Person]] = relationship(secondary=need_assignees, order_by="Person.id")

    def __repr__(self) -> str:
        return f"<Need {self.ticket} {self.status}>"


class NeedEvent(Base):
    """One entry of a need's append-only history (the service layer never updates or deletes these)."""

    __tablename__ = "need_events"
    __table_args__ = (CheckConstraint(_in("kind", NEED_EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Escalation(Base):
    """A need moved up the chain because a deadline passed; unique per deadline, so never twice for it."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("need_id", "deadline_kind", "deadline_at"),
        CheckConstraint(_in("deadline_kind", DEADLINE_KINDS), name="deadline_kind"),
        Index("ix_escalations_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"))
    deadline_kind: Mapped[str] = mapped_column(String(16))
    deadline_at: Mapped[datetime]
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketCounter(Base):
    """The last sequence number handed out per scope ("XQ-20261126"), incremented by an atomic upsert."""

    __tablename__ = "ticket_counters"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class TaskRoute(Base):
    """任务清单: who answers for a category in a compound, and the people who act for that party."""

    __tablename__ = "task_routes"
    __table_args__ = (UniqueConstraint("compound_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[str] = mapped_column(String(32))
    party_type: Mapped[str] = mapped_column(String(32))
    party_label: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    persons: Mapped[list[Person]] = relationship(secondary=task_route_persons, order_by="Person.id")


class Resource(Base):
    """资源清单: something a unit or member offers (tags are category ids), available at `unit` and below."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    contact: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)
    availability: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnVisit(Base):
    """回访: the three questions of Beijing 12345 (contacted? solved? satisfied?) asked after resolution."""

    __tablename__ = "return_visits"
    __table_args__ = (
        CheckConstraint(_in("satisfaction", SATISFACTION), name="satisfaction"),
        Index("ix_return_visits_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    contacted: Mapped[bool] = mapped_column(Boolean)
    solved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
