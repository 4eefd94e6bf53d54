"""coordinator digests: off switch, scheduled runs, delivery outbox; indexes for the digest queries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEED_INDEXES = {
    "ix_needs_created_compound": ["created_at", "compound_id"],
    "ix_needs_accepted_compound": ["accepted_at", "compound_id"],
    "ix_needs_resolved_compound": ["resolved_at", "compound_id"],
    "ix_needs_accept_due_compound": ["accept_due_at", "compound_id"],
    "ix_needs_resolve_due_compound": ["resolve_due_at", "compound_id"],
    "ix_needs_compound_accepted": ["compound_id", "accepted_at"],
    "ix_needs_compound_resolved": ["compound_id", "resolved_at"],
    "ix_needs_compound_accept_due": ["compound_id", "accept_due_at"],
    "ix_needs_compound_resolve_due": ["compound_id", "resolve_due_at"],
    "ix_needs_compound_status": ["compound_id", "status"],
}


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_digest_subscriptions_person_id_persons"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_digest_subscriptions")),
    )
    op.create_table(
        "digest_runs",
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_digest_runs")),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("chart_png", sa.LargeBinary(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_digest_deliveries_status")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_digest_deliveries_person_id_persons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_digest_deliveries_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint("slot", "person_id", "channel", "external_id",
                            name=op.f("uq_digest_deliveries_slot_person_id_channel_external_id")),
    )
    op.create_index("ix_digest_deliveries_status_next", "digest_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_digest_deliveries_person_id"), "digest_deliveries", ["person_id"])
    for name, columns in NEED_INDEXES.items():
        op.create_index(name, "needs", columns)
    op.create_index("ix_escalations_at", "escalations", ["at"])
    op.create_index("ix_return_visits_at", "return_visits", ["at"])


def downgrade() -> None:
    op.drop_index("ix_return_visits_at", table_name="return_visits")
    op.drop_index("ix_escalations_at", table_name="escalations")
    for name in NEED_INDEXES:
        op.drop_index(name, table_name="needs")
    op.drop_table("digest_deliveries")
    op.drop_table("digest_runs")
    op.drop_table("digest_subscriptions")
