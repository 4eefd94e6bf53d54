"""needs.entrance: the 单元 (entrance) of the building a need is in

Revision ID: 0008_need_entrance
Revises: 0007_people_audit
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_need_entrance"
down_revision: str | None = "0007_people_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("needs", sa.Column("entrance", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.drop_column("entrance")
