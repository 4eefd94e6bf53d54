"""Migration 0002 builds exactly the ORM's needs tables on both databases, and goes down and up again."""
from __future__ import annotations

import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from assistant.needs.filing import file_need
from assistant.storage import models
from assistant.storage.db import alembic_config, current_revision, upgrade
from assistant.storage.models import Base, Escalation

from ..helpers.world import T0, draft

NEW_TABLES = {"needs", "need_events", "need_assignees", "escalations", "ticket_counters", "task_routes",
              "task_route_persons", "resources", "return_visits"}


def diff(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_autogenerate_shows_no_diff(db):
    script = ScriptDirectory.from_config(alembic_config())
    assert current_revision(db.engine) == script.get_current_head()
    assert "0002" in {rev.revision for rev in script.walk_revisions()}
    assert diff(db.engine) == []
    assert NEW_TABLES <= set(inspect(db.engine).get_table_names())


def test_check_constraints_match_the_models():
    """Autogenerate does not compare CHECK constraints: the migration's value lists must equal the models'."""
    migration = importlib.import_module("assistant.storage.migrations.versions.0002_needs")
    quoted = lambda values: ", ".join(repr(v) for v in values)  # noqa: E731
    assert migration.STATUSES == quoted(models.NEED_STATUSES)
    assert migration.KINDS == quoted(models.NEED_EVENT_KINDS)


def test_downgrade_and_upgrade_again(db_url, db):
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert current_revision(db.engine) == "0001"
    assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
    upgrade(db_url)
    assert diff(db.engine) == []


def test_one_escalation_per_deadline(world, policy):
    with world.db.session() as s:
        need = file_need(s, policy, world.resident, draft(world), now=T0)
        row = dict(need_id=need.id, deadline_kind="accept", deadline_at=need.accept_due_at,
                   from_unit_id=world.units["MY01-1"], to_unit_id=world.units["MY01"], at=T0)
        s.add(Escalation(**row))
    with pytest.raises(IntegrityError):
        with world.db.session() as s:
            s.add(Escalation(**row))
            s.flush()
