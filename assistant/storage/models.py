"""ORM models: the six-level organisation tree, people, roles, channel accounts, invites and JSON state.

All times are timezone-aware UTC (`UTCDateTime` stores naive UTC on SQLite, timestamptz on PostgreSQL).
Changing anything here needs a new Alembic revision in `migrations/versions/`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# 区/县委 > 街道大工委 > 社区大党委 > 小区/网格党支部 > 楼栋 > 户 (组通〔2020〕15号 一、总体目标)
LEVELS: tuple[str, ...] = ("district", "street", "community", "compound", "building", "household")
ROLES: tuple[str, ...] = (
    "admin", "district", "street", "community", "branch_secretary", "branch_member", "building_leader",
    "household_cadre", "property_liaison", "owners_committee", "resident",
)
CHANNELS: tuple[str, ...] = ("telegram", "terminal")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator):
    """A DateTime that only accepts aware datetimes and always returns aware UTC ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class OrgUnit(Base):
    """A node of the six-level chain; `path` is the materialised id path ("/1/4/17/") for subtree queries."""

    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint(_in("level", LEVELS), name="level"),
        CheckConstraint("(level = 'district') = (parent_id IS NULL)", name="root_is_district"),
        Index("ix_org_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")

    @property
    def depth(self) -> int:
        """0 for a district, 5 for a household."""
        return LEVELS.index(self.level)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.level} {self.name!r}>"


class Person(Base):
    """A resident, party member or cadre; the phone is stored in full and masked on display."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    work_unit: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[RoleBinding]] = relationship(back_populates="person", cascade="all, delete-orphan")
    accounts: Mapped[list[ChannelAccount]] = relationship(back_populates="person", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name!r}>"


class RoleBinding(Base):
    """A person holds `role` at `unit` and acts within that unit's subtree."""

    __tablename__ = "role_bindings"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "unit_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="roles")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RoleBinding {self.role} person={self.person_id} unit={self.unit_id}>"


class ChannelAccount(Base):
    """A chat account (Telegram user id, terminal user name) bound to a person."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    language_code: Mapped[str | None] = mapped_column(String(16))
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="accounts")


TelegramAccount = ChannelAccount


class Invite(Base):
    """A one-time registration code granting `role` at `unit` to a named or existing person."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    name: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id"))

    unit: Mapped[OrgUnit] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    creator: Mapped[Person | None] = relationship(foreign_keys=[created_by])
    used_by_account: Mapped[ChannelAccount | None] = relationship()


class InviteFailure(Base):
    """One wrong invite code typed by a channel account (rate limiting)."""

    __tablename__ = "invite_failures"
    __table_args__ = (Index("ix_invite_failures_account", "channel", "external_id", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyValue(Base):
    """Generic JSON state by (namespace, key): conversations, user_data, chat_data, bot_data, callback_data."""

    __tablename__ = "key_values"
    __table_args__ = (UniqueConstraint("namespace", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    namespace: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """An update id already handled on a channel, so a redelivered update is processed once."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- needs list (issue 4; clause 10 三个清单)

from sqlalchemy import Column, Table, Text  # noqa: E402  (kept beside the models that use them)

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
    __table_args__ = (CheckConstraint(_in("satisfaction", SATISFACTION), name="satisfaction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    contacted: Mapped[bool] = mapped_column(Boolean)
    solved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- party members (issue 5; clauses 1–3, 5, 7, 8)

from datetime import date  # noqa: E402

from sqlalchemy import Date  # noqa: E402

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
