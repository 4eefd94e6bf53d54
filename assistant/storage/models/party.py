"""Party members (issue 5; clauses 1–3, 5, 7, 8): check-ins, points, cases, committee seats."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.storage.models.base import Base, _in, utcnow

if TYPE_CHECKING:
    from assistant.storage.models.org import OrgUnit, Person

# ---------------------------------------------------------------- party members (issue 5; clauses 1–3, 5, 7, 8)



CHECKIN_STATUSES: tuple[str, ...] = ("started", "pending", "confirmed", "rejected")
CASE_STATUSES: tuple[str, ...] = ("open", "rectified", "unrectified", "closed")
CASE_EVENT_KINDS: tuple[str, ...] = ("opened", "replied", "rectified", "unrectified", "notice_sent", "closed")
# 街道"大工委" (clause 1), 社区"大党委" (clause 2), 小区（网格）党支部委员会 (clause 3): the positions each organ has.
ORGAN_POSITIONS: dict[str, tuple[str, ...]] = {
    "street_committee": ("secretary", "deputy_secretary", "part_time_member", "member"),
    "community_committee": ("first_secretary", "secretary", "deputy_secretary", "community_party_member", "member"),
    "branch_committee": ("secretary", "deputy_secretary", "member"),
}
ORGAN_LEVELS: dict[str, str] = {"street_committee": "street", "community_committee": "community",
                                "branch_committee": "compound"}
POSITIONS: tuple[str, ...] = ("part_time_member", "first_secretary", "secretary", "deputy_secretary",
                              "community_party_member", "member")


class CheckIn(Base):
    """党员报到 (clause 5): a member reports to the branch of the compound they live in; `flow_in` marks a
    流入党员 registered by the community. A person's current residence is their latest confirmed check-in."""

    __tablename__ = "checkins"
    __table_args__ = (
        CheckConstraint(_in("status", CHECKIN_STATUSES), name="status"),
        Index("ix_checkins_compound_status", "compound_id", "status"),
        Index("ix_checkins_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    work_unit: Mapped[str | None] = mapped_column(String(200))
    work_unit_party_org: Mapped[str | None] = mapped_column(String(200))
    work_unit_contact: Mapped[str | None] = mapped_column(String(200))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    moved_on: Mapped[date | None] = mapped_column(Date)
    in_service: Mapped[bool] = mapped_column(Boolean, default=True)
    flow_in: Mapped[bool] = mapped_column(Boolean, default=False)
    probationary: Mapped[bool | None] = mapped_column(Boolean)  # 预备党员; None (older rows) counts as full
    status: Mapped[str] = mapped_column(String(16), default="started")
    reject_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    compound: Mapped[OrgUnit | None] = relationship(foreign_keys=[compound_id])
    building: Mapped[OrgUnit | None] = relationship(foreign_keys=[building_id])


class PointEntry(Base):
    """党员服务积分 (clause 7): an append-only ledger row; a correction is a new row pointing at the one it undoes."""

    __tablename__ = "point_entries"
    __table_args__ = (Index("ix_point_entries_unit_date", "unit_id", "on_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    activity: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("point_entries.id"), unique=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class NegativeCase(Base):
    """党员负面行为评价 (clause 8): a case against a member, its rectification deadline and what followed."""

    __tablename__ = "negative_cases"
    __table_args__ = (
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        Index("ix_negative_cases_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    member_reply: Mapped[str | None] = mapped_column(Text)
    notice_sent_at: Mapped[datetime | None]
    notice_board: Mapped[bool] = mapped_column(Boolean, default=False)
    no_awards_year: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    compound: Mapped[OrgUnit] = relationship(foreign_keys=[compound_id])


class CaseEvent(Base):
    """One entry of a negative case's append-only history."""

    __tablename__ = "case_events"
    __table_args__ = (CheckConstraint(_in("kind", CASE_EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("negative_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeSeat(Base):
    """A seat on 大工委 (street), 大党委 (community) or a branch committee (compound); `from_unit` is the
    resident or partner unit the holder comes from."""

    __tablename__ = "committee_seats"
    __table_args__ = (
        UniqueConstraint("unit_id", "person_id", "organ"),
        CheckConstraint(_in("organ", tuple(ORGAN_POSITIONS)), name="organ"),
        CheckConstraint(_in("position", POSITIONS), name="position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    organ: Mapped[str] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(32))
    from_unit: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class PartyGroup(Base):
    """党小组 of a building (clause 3), with its leader when known."""

    __tablename__ = "party_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)
    leader_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
