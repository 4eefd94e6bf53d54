"""initial schema: organisation tree, people, roles, channel accounts, invites, key-value state, updates

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = "'district', 'street', 'community', 'compound', 'building', 'household'"
ROLES = (
    "'admin', 'district', 'street', 'community', 'branch_secretary', 'branch_member', 'building_leader', "
    "'household_cadre', 'property_liaison', 'owners_committee', 'resident'"
)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "org_units",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("path", sa.String(512), nullable=False),
        _time("created_at"),
        sa.CheckConstraint(f"level IN ({LEVELS})", name=op.f("ck_org_units_level")),
        sa.CheckConstraint("(level = 'district') = (parent_id IS NULL)", name=op.f("ck_org_units_root_is_district")),
        sa.ForeignKeyConstraint(["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )
    op.create_index(op.f("ix_org_units_parent_id"), "org_units", ["parent_id"])
    op.create_index("ix_org_units_path", "org_units", ["path"], postgresql_ops={"path": "varchar_pattern_ops"})

    op.create_table(
        "persons",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("party_member", sa.Boolean(), nullable=False),
        sa.Column("work_unit", sa.String(200), nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_index(op.f("ix_persons_phone"), "persons", ["phone"])

    op.create_table(
        "role_bindings",
        _id(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        _time("created_at"),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_role_bindings_role")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_role_bindings_person_id_persons"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_role_bindings_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_bindings")),
        sa.UniqueConstraint("person_id", "role", "unit_id", name=op.f("uq_role_bindings_person_id_role_unit_id")),
    )
    op.create_index(op.f("ix_role_bindings_person_id"), "role_bindings", ["person_id"])
    op.create_index(op.f("ix_role_bindings_unit_id"), "role_bindings", ["unit_id"])

    op.create_table(
        "channel_accounts",
        _id(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language_code", sa.String(16), nullable=True),
        _time("bound_at"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_channel_accounts_person_id_persons"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_accounts")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_channel_accounts_channel_external_id")),
    )
    op.create_index(op.f("ix_channel_accounts_person_id"), "channel_accounts", ["person_id"])

    op.create_table(
        "invites",
        _id(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
        sa.Column("used_by_account_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_invites_role")),
        sa.ForeignKeyConstraint(["created_by"], ["persons.id"], name=op.f("fk_invites_created_by_persons")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_invites_person_id_persons")),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_invites_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["used_by_account_id"], ["channel_accounts.id"], name=op.f("fk_invites_used_by_account_id_channel_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    op.create_index(op.f("ix_invites_unit_id"), "invites", ["unit_id"])

    op.create_table(
        "invite_failures",
        _id(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        _time("failed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_failures")),
    )
    op.create_index("ix_invite_failures_account", "invite_failures", ["channel", "external_id", "failed_at"])

    op.create_table(
        "key_values",
        _id(),
        sa.Column("namespace", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_values")),
        sa.UniqueConstraint("namespace", "key", name=op.f("uq_key_values_namespace_key")),
    )

    op.create_table(
        "processed_updates",
        _id(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        _time("processed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_updates")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_processed_updates_channel_update_id")),
    )


def downgrade() -> None:
    for table in ("processed_updates", "key_values", "invite_failures", "invites", "channel_accounts",
                  "role_bindings", "persons", "org_units"):
        op.drop_table(table)
