"""needs list: needs, their events, assignees, escalations, ticket counters, task routes, resources, return visits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'new', 'accepted', 'in_progress', 'resolved', 'closed', 'reopened', 'handed_back'"
KINDS = ("'filed', 'joined', 'routed', 'accepted', 'progress', 'resolved', 'handed_back', 'escalated', 'visit', "
         "'reopened', 'closed'")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name, ondelete=ondelete)


def _link(table: str, left: str, left_target: str) -> None:
    """A many-to-many table (left, person_id) with a person index."""
    op.create_table(
        table,
        _int(left),
        _int("person_id"),
        _fk(table, left, left_target, "CASCADE"),
        _fk(table, "person_id", "persons", "CASCADE"),
        sa.PrimaryKeyConstraint(left, "person_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_person_id"), table, ["person_id"])


def upgrade() -> None:
    op.create_table(
        "ticket_counters",
        sa.Column("scope", sa.String(32), nullable=False),
        _int("seq"),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_ticket_counters")),
    )

    op.create_table(
        "needs",
        _id(),
        sa.Column("ticket", sa.String(32), nullable=False),
        _int("compound_id"),
        _int("building_id", nullable=True),
        _int("level_unit_id"),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("resident_name", sa.String(100), nullable=True),
        sa.Column("resident_phone", sa.String(32), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("photo_file_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _int("submitter_id"),
        sa.Column("party_type", sa.String(32), nullable=True),
        sa.Column("responsible_party", sa.String(200), nullable=True),
        _time("accept_due_at"),
        _time("resolve_due_at"),
        _time("accepted_at", nullable=True),
        _time("resolved_at", nullable=True),
        _time("closed_at", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _int("parent_id", nullable=True),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_needs_status")),
        sa.CheckConstraint("urgency IN ('urgent', 'normal')", name=op.f("ck_needs_urgency")),
        _fk("needs", "building_id", "org_units"),
        _fk("needs", "compound_id", "org_units"),
        _fk("needs", "level_unit_id", "org_units"),
        _fk("needs", "parent_id", "needs"),
        _fk("needs", "submitter_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
        sa.UniqueConstraint("ticket", name=op.f("uq_needs_ticket")),
    )
    op.create_index("ix_needs_category_created", "needs", ["category", "created_at"])
    op.create_index("ix_needs_compound_created", "needs", ["compound_id", "created_at"])
    op.create_index("ix_needs_level_status", "needs", ["level_unit_id", "status"])
    op.create_index(op.f("ix_needs_parent_id"), "needs", ["parent_id"])
    op.create_index("ix_needs_status_accept_due", "needs", ["status", "accept_due_at"])
    op.create_index("ix_needs_status_resolve_due", "needs", ["status", "resolve_due_at"])
    op.create_index(op.f("ix_needs_submitter_id"), "needs", ["submitter_id"])
    _link("need_assignees", "need_id", "needs")

    op.create_table(
        "need_events",
        _id(),
        _int("need_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        _int("actor_id", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        _time("at"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_need_events_kind")),
        _fk("need_events", "actor_id", "persons"),
        _fk("need_events", "need_id", "needs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_events")),
    )
    op.create_index(op.f("ix_need_events_actor_id"), "need_events", ["actor_id"])
    op.create_index(op.f("ix_need_events_need_id"), "need_events", ["need_id"])

    op.create_table(
        "escalations",
        _id(),
        _int("need_id"),
        sa.Column("deadline_kind", sa.String(16), nullable=False),
        _time("deadline_at"),
        _int("from_unit_id"),
        _int("to_unit_id"),
        _time("at"),
        sa.CheckConstraint("deadline_kind IN ('accept', 'resolve')", name=op.f("ck_escalations_deadline_kind")),
        _fk("escalations", "from_unit_id", "org_units"),
        _fk("escalations", "need_id", "needs"),
        _fk("escalations", "to_unit_id", "org_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("need_id", "deadline_kind", "deadline_at",
                            name=op.f("uq_escalations_need_id_deadline_kind_deadline_at")),
    )

    op.create_table(
        "task_routes",
        _id(),
        _int("compound_id"),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("party_type", sa.String(32), nullable=False),
        sa.Column("party_label", sa.String(200), nullable=False),
        _time("updated_at"),
        _fk("task_routes", "compound_id", "org_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_routes")),
        sa.UniqueConstraint("compound_id", "category", name=op.f("uq_task_routes_compound_id_category")),
    )
    _link("task_route_persons", "route_id", "task_routes")

    op.create_table(
        "resources",
        _id(),
        sa.Column("provider_name", sa.String(200), nullable=False),
        _int("provider_person_id", nullable=True),
        _int("unit_id"),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(200), nullable=True),
        _int("capacity", nullable=True),
        sa.Column("availability", sa.String(500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _int("created_by", nullable=True),
        _time("created_at"),
        _fk("resources", "created_by", "persons"),
        _fk("resources", "provider_person_id", "persons"),
        _fk("resources", "unit_id", "org_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index(op.f("ix_resources_unit_id"), "resources", ["unit_id"])

    op.create_table(
        "return_visits",
        _id(),
        _int("need_id"),
        sa.Column("contacted", sa.Boolean(), nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.String(16), nullable=False),
        _int("by_id", nullable=True),
        _time("at"),
        sa.CheckConstraint("satisfaction IN ('satisfied', 'basically', 'unsatisfied')",
                           name=op.f("ck_return_visits_satisfaction")),
        _fk("return_visits", "by_id", "persons"),
        _fk("return_visits", "need_id", "needs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_visits")),
    )
    op.create_index(op.f("ix_return_visits_need_id"), "return_visits", ["need_id"])


def downgrade() -> None:
    for table in ("return_visits", "resources", "task_route_persons", "task_routes", "escalations", "need_events",
                  "need_assignees", "needs", "ticket_counters"):
        op.drop_table(table)
