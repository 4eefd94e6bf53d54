"""notice outbox: every notice to a chat kept until sent (retried with backoff) or failed for good

Revision ID: 0009_notice_outbox
Revises: 0008_need_entrance
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models.base import UTCDateTime

revision: str = "0009_notice_outbox"
down_revision: str | None = "0008_need_entrance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_notice_outbox_status")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_notice_outbox_person_id_persons"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_outbox")),
    )
    op.create_index("ix_notice_outbox_status_next", "notice_outbox", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_notice_outbox_person_id"), "notice_outbox", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_outbox_person_id"), table_name="notice_outbox")
    op.drop_index("ix_notice_outbox_status_next", table_name="notice_outbox")
    op.drop_table("notice_outbox")
