"""Every read command of the CLI reads without SQLite's write lock: each one runs to the end while another
connection holds that lock (as the bot does while it writes), instead of waiting for it and failing with
"database is locked". Only writes queue for the lock."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import _common as cli_common
from assistant.config import Settings
from assistant.storage.db import Database

from ..helpers.locks import write_lock
from .test_needs import _file, ok


@pytest.fixture
def sqlite_cli(sqlite_templates, tmp_path, monkeypatch):
    """The whole CLI on a SQLite copy of the example tree; a single try for the write lock (no retries), so a
    command that wanted it would fail at once."""
    copy = sqlite_templates.copy("org", tmp_path)
    cfg = Settings(data_dir=tmp_path / "data", DATABASE_URL=copy.url, sqlite_busy_timeout_seconds=0.2,
                   sqlite_lock_wait_seconds=0)
    monkeypatch.setattr(cli_common, "get_settings", lambda: cfg)
    runner = CliRunner()
    return copy.url, lambda *args: runner.invoke(cli.app, [str(a) for a in args])


def _fill(url: str, run) -> int:
    """A need, a resource, a company with a contract and an owners' committee member."""
    from assistant.org.people import bind_role, create_person
    from assistant.org.tree import find_unit

    db = Database.from_url(url)
    with db.session() as s:
        leader = create_person(s, "一栋楼长", "13900000003")
        bind_role(s, leader, "building_leader", find_unit(s, "MY01-1"))
        leader_id = leader.id
        create_person(s, "赵一")  # the owners' committee member below
    need_id = _file(db, leader_id)
    db.dispose()
    ok(run("resources", "add", "--unit", "梅园社区", "--name", "水电维修队", "--tag", "leak"))
    ok(run("property", "add", "--name", "安居物业", "--party-org"))
    ok(run("property", "contract", "--company", "安居物业", "--compound", "MY01", "--from", "2026-01-01"))
    ok(run("owners", "add", "--compound", "MY01", "--person", "赵一", "--role", "chair", "--party"))
    return need_id


READS = [
    ("needs", "list", "--json"),
    ("needs", "list", "--unit", "梅园社区"),
    ("needs", "show", "{need}", "--json"),
    ("needs", "show", "{need}"),
    ("tasks", "list", "--compound", "MY01"),
    ("resources", "list", "--unit", "梅园社区", "--json"),
    ("check", "--json"),
    ("check", "--unit", "梅园社区"),
    ("notices",),
    ("notices", "--unsent", "--out", "{tmp}/notices.txt"),
    ("property", "list"),
    ("owners", "list", "--compound", "MY01"),
    ("evaluations", "list", "--period", "2026H2"),
    ("evaluations", "export", "{tmp}/ratings.xlsx"),
    ("org", "export", "{tmp}/tree.csv"),
    ("digest", "--unit", "梅园社区", "--period", "week"),
    ("db", "upgrade"),  # already at head: nothing to write
    ("db", "current"),
    ("db", "history"),
    ("db", "backup", "{tmp}/backup.db"),
]


def test_every_read_command_runs_while_another_connection_holds_the_write_lock(sqlite_cli, tmp_path):
    url, run = sqlite_cli
    need_id = _fill(url, run)
    with write_lock(url) as holder:
        holder.execute("UPDATE org_units SET name = name || '（改）' WHERE code = 'MY01'")  # not committed
        for command in READS:
            args = [a.format(need=need_id, tmp=tmp_path) for a in command]
            result = run(*args)
            assert result.exit_code == 0, (args, result.output, result.exception)
            assert "locked" not in result.output
            assert "（改）" not in result.output  # reads see committed data only
    assert "梅园新村" in ok(run("tasks", "list", "--compound", "MY01"))


def test_a_write_command_still_queues_for_the_lock(sqlite_cli):
    url, run = sqlite_cli
    with write_lock(url):
        result = run("resources", "add", "--unit", "梅园社区", "--name", "水电维修队", "--tag", "leak")
    assert result.exit_code != 0 and "locked" in str(result.exception)
    ok(run("resources", "add", "--unit", "梅园社区", "--name", "水电维修队", "--tag", "leak"))
