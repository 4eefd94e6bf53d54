"""`assistant db upgrade`, `org import/export` and `invite` through typer (the sub-apps of cli_admin)."""
from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli import _common as cli_common
from assistant.cli import db as cli_db
from assistant.cli import org as cli_admin
from assistant.org.invites import Outcome, redeem, whoami
from assistant.storage.db import Database

from ..conftest import EXAMPLES
from . import bad_choice


@pytest.fixture
def cli(cfg, monkeypatch):
    monkeypatch.setattr(cli_common, "get_settings", lambda: cfg)
    app = typer.Typer()
    app.add_typer(cli_db.db_app, name="db")
    app.add_typer(cli_admin.org_app, name="org")
    app.command("invite")(cli_admin.invite)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_db_org_and_invite(cli, cfg, tmp_path):
    from alembic.script import ScriptDirectory

    from assistant.storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    result = cli("db", "upgrade")
    assert result.exit_code == 0 and head in result.output
    result = cli("org", "import", str(EXAMPLES / "org_example.xlsx"))
    assert result.exit_code == 0 and "新增 35" in result.output
    result = cli("org", "export", str(tmp_path / "out.csv"))
    assert result.exit_code == 0 and (tmp_path / "out.csv").read_text(encoding="utf-8-sig").count("\n") == 36

    result = cli("invite", "--role", "branch_secretary", "--unit", "敬亭苑", "--name", "刘书记")
    assert result.exit_code == 0, result.output
    code = re.search(r"邀请码：(\w{8})", result.output).group(1)
    assert "宣州区 > 澄江街道 > 敬亭社区 > 敬亭苑" in result.output and "北京时间" in result.output
    db = Database.from_url(cfg.sqlalchemy_url)
    try:
        with db.session() as s:
            assert redeem(s, cfg, code, "terminal", "liu").outcome == Outcome.OK
            assert whoami(s, "terminal", "liu").name == "刘书记"
    finally:
        db.dispose()


def test_cli_errors(cli, tmp_path):
    cli("org", "import", str(EXAMPLES / "org_example.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("level,name,parent\nstreet,新街道,不存在\n", encoding="utf-8")
    result = cli("org", "import", str(bad))
    assert result.exit_code == 1 and "第 2 行" in result.output
    result = cli("invite", "--role", "mayor", "--unit", "敬亭苑")
    bad_choice(result.exit_code, result.output, "mayor")
    result = cli("invite", "--role", "bulding_leader", "--unit", "敬亭苑")
    bad_choice(result.exit_code, result.output, "bulding_leader", "building_leader")
    result = cli("invite", "--role", "building_leader", "--unit", "1栋")
    assert result.exit_code == 1 and "MY01-1" not in result.output and "梅园新村 > 1栋" in result.output
    result = cli("invite", "--role", "building_leader", "--unit", "敬亭苑")
    assert result.exit_code == 1 and "楼栋" in result.output
    result = cli("invite", "--role", "resident", "--unit", "火星")
    assert result.exit_code == 1 and "火星" in result.output


def test_export_refuses_unknown_format(cli, tmp_path):
    result = cli("org", "export", str(tmp_path / "tree.json"))
    assert result.exit_code == 1 and ".json" in result.output


def test_times_are_shown_and_named_in_the_deployments_zone(assistant_in_process, tmp_path):
    """The invite's expiry is written in the needs policy's time zone and named by it: a deployment whose policy
    says UTC reads UTC, not 北京时间 (the shipped policy's zone)."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import assistant.policy

    shipped = (Path(assistant.policy.__file__).parent / "needs.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "needs.yaml"
    policy.write_text(shipped.replace("ticket_timezone: Asia/Shanghai", "ticket_timezone: UTC"), encoding="utf-8")
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    proc = assistant_in_process("invite", "--role", "branch_secretary", "--unit", "敬亭苑",
                                env={"ASSISTANT_NEEDS_POLICY_FILE": str(policy)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = re.search(r"有效期至：(\d{4}-\d\d-\d\d \d\d:\d\d)（UTC）", proc.stdout)
    assert shown is not None and "北京时间" not in proc.stdout, proc.stdout
    expires = datetime.strptime(shown[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert before + timedelta(days=7) <= expires <= datetime.now(UTC) + timedelta(days=7)
    shanghai = assistant_in_process("invite", "--role", "branch_secretary", "--unit", "敬亭苑")
    assert "（北京时间）" in shanghai.stdout
