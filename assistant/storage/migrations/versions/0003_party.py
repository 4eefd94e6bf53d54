"""party members: check-ins, points ledger, negative cases and their events, committee seats, party groups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKIN_STATUSES = "'started', 'pending', 'confirmed', 'rejected'"
CASE_STATUSES = "'open', 'rectified', 'unrectified', 'closed'"
CASE_KINDS = "'opened', 'replied', 'rectified', 'unrectified', 'notice_sent', 'closed'"
ORGANS = "'street_committee', 'community_committee', 'branch_committee'"
POSITIONS = ("'part_time_member', 'first_secretary', 'secretary', 'deputy_secretary', 'community_party_member', "
             "'member'")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length) if length else sa.Text(), nullable=nullable)


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "checkins",
        _id(),
        _int("person_id"),
        _text("work_unit", 200),
        _text("work_unit_party_org", 200),
        _text("work_unit_contact", 200),
        _int("compound_id", nullable=True),
        _int("building_id", nullable=True),
        _text("phone", 32),
        _flag("moved"),
        sa.Column("moved_on", sa.Date(), nullable=True),
        _flag("in_service"),
        _flag("flow_in"),
        _text("status", 16, nullable=False),
        _text("reject_reason"),
        _time("submitted_at", nullable=True),
        _int("decided_by", nullable=True),
        _time("decided_at", nullable=True),
        _time("reminded_at", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.CheckConstraint(f"status IN ({CHECKIN_STATUSES})", name=op.f("ck_checkins_status")),
        _fk("checkins", "building_id", "org_units"),
        _fk("checkins", "compound_id", "org_units"),
        _fk("checkins", "decided_by", "persons"),
        _fk("checkins", "person_id", "persons"),
        _pk("checkins"),
    )
    op.create_index("ix_checkins_compound_status", "checkins", ["compound_id", "status"])
    op.create_index("ix_checkins_status_updated", "checkins", ["status", "updated_at"])
    _index("checkins", "person_id")

    op.create_table(
        "point_entries",
        _id(),
        _int("person_id"),
        _int("unit_id"),
        _text("activity", 32, nullable=False),
        _int("points"),
        sa.Column("on_date", sa.Date(), nullable=False),
        _text("note"),
        _int("corrects_id", nullable=True),
        _int("recorded_by"),
        _time("recorded_at"),
        _fk("point_entries", "corrects_id", "point_entries"),
        _fk("point_entries", "person_id", "persons"),
        _fk("point_entries", "recorded_by", "persons"),
        _fk("point_entries", "unit_id", "org_units"),
        _pk("point_entries"),
        sa.UniqueConstraint("corrects_id", name=op.f("uq_point_entries_corrects_id")),
    )
    op.create_index("ix_point_entries_unit_date", "point_entries", ["unit_id", "on_date"])
    _index("point_entries", "person_id")

    op.create_table(
        "negative_cases",
        _id(),
        _int("person_id"),
        _int("compound_id"),
        _text("case_type", 32, nullable=False),
        _text("facts", nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        _text("status", 16, nullable=False),
        _text("member_reply"),
        _time("notice_sent_at", nullable=True),
        _flag("notice_board"),
        _int("no_awards_year", nullable=True),
        _int("created_by"),
        _time("created_at"),
        _time("updated_at"),
        sa.CheckConstraint(f"status IN ({CASE_STATUSES})", name=op.f("ck_negative_cases_status")),
        _fk("negative_cases", "compound_id", "org_units"),
        _fk("negative_cases", "created_by", "persons"),
        _fk("negative_cases", "person_id", "persons"),
        _pk("negative_cases"),
    )
    op.create_index("ix_negative_cases_status_deadline", "negative_cases", ["status", "deadline"])
    _index("negative_cases", "compound_id")
    _index("negative_cases", "person_id")

    op.create_table(
        "case_events",
        _id(),
        _int("case_id"),
        _text("kind", 16, nullable=False),
        _int("actor_id", nullable=True),
        _text("note"),
        _time("at"),
        sa.CheckConstraint(f"kind IN ({CASE_KINDS})", name=op.f("ck_case_events_kind")),
        _fk("case_events", "actor_id", "persons"),
        _fk("case_events", "case_id", "negative_cases"),
        _pk("case_events"),
    )
    _index("case_events", "case_id")

    op.create_table(
        "committee_seats",
        _id(),
        _int("unit_id"),
        _int("person_id"),
        _text("organ", 32, nullable=False),
        _text("position", 32, nullable=False),
        _text("from_unit", 200),
        _time("created_at"),
        sa.CheckConstraint(f"organ IN ({ORGANS})", name=op.f("ck_committee_seats_organ")),
        sa.CheckConstraint(f"position IN ({POSITIONS})", name=op.f("ck_committee_seats_position")),
        _fk("committee_seats", "person_id", "persons"),
        _fk("committee_seats", "unit_id", "org_units"),
        _pk("committee_seats"),
        sa.UniqueConstraint("unit_id", "person_id", "organ", name=op.f("uq_committee_seats_unit_id_person_id_organ")),
    )
    _index("committee_seats", "person_id")
    _index("committee_seats", "unit_id")

    op.create_table(
        "party_groups",
        _id(),
        _int("building_id"),
        _int("leader_person_id", nullable=True),
        _time("created_at"),
        _fk("party_groups", "building_id", "org_units"),
        _fk("party_groups", "leader_person_id", "persons"),
        _pk("party_groups"),
        sa.UniqueConstraint("building_id", name=op.f("uq_party_groups_building_id")),
    )


def downgrade() -> None:
    for table in ("party_groups", "committee_seats", "case_events", "negative_cases", "point_entries", "checkins"):
        op.drop_table(table)
