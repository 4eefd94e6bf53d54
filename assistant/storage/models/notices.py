"""The notice outbox (issue 15): one row per message to one chat, kept until sent or failed for good."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.models.base import Base, _in
from assistant.storage.models.digest import DELIVERY_STATUSES, OutboxState


class OutboxNotice(OutboxState, Base):
    """A notice (new need, escalation, 临期预警, return visit, closing, case, check-in) rendered in the
    recipient's language, with its inline buttons as data ([[label, callback data], ...] per row)."""

    __tablename__ = "notice_outbox"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_notice_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "need:filed", "escalation", "case:opened" (for operators)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[Any] = mapped_column(JSON, nullable=True)
