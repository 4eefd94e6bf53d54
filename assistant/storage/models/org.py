"""The organisation tree, people, roles, channel accounts, invites and JSON state."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.storage.models.base import LEVELS, ROLES, Base, _in, utcnow


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
