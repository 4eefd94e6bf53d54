"""Coordinator digests (issue 7): the per-person off switch, scheduled runs, and the delivery outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.models.base import Base, _in, utcnow

DELIVERY_STATUSES: tuple[str, ...] = ("pending", "sent", "failed")


class DigestSubscription(Base):
    """A person's choice about scheduled digests; no row means on (the default for every coordinator)."""

    __tablename__ = "digest_subscriptions"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRun(Base):
    """A schedule slot already turned into outbox rows ("daily:2026-11-26T08:30+08:00"), so never twice."""

    __tablename__ = "digest_runs"

    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxState:
    """The columns every outbox table shares (outbox/retry.py claims and settles rows by them)."""

    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestDelivery(OutboxState, Base):
    """One digest to send to one chat: the rendered parts (chart, then text chunks), sent in order; a failed
    part is retried from where it stopped until sent or `failed` after the last attempt (kept, never dropped)."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("slot", "person_id", "channel", "external_id"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_digest_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period: Mapped[str] = mapped_column(String(16))
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    caption: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # chunks joined by CHUNK_SEPARATOR
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
