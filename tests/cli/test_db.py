"""`assistant db current / history / backup / restore` on SQLite and PostgreSQL: as real processes, and the
backup-change-restore walk (what the commands say and do to the database) in-process through typer's CliRunner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from assistant.org.people import create_person, find_person
from assistant.org.tree import find_unit
from assistant.storage.db import Database, alembic_config, upgrade

from ..conftest import EXAMPLES
from . import in_process

BIN = Path(sys.executable).parent / "assistant"
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def assistant(db_url: str, tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": db_url}
    proc = subprocess.run([str(BIN), *args], env=env, input=stdin, capture_output=True, text=True, timeout=180,
                          cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def assistant_in_process(db_url: str, tmp_path: Path, *args: str, stdin: str | None = None):
    """The same command in this process (tests.cli.in_process), in tmp_path as its working directory."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": db_url}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        proc = in_process(args, env, stdin)
    finally:
        os.chdir(cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def fails(proc: subprocess.CompletedProcess, text: str) -> None:
    assert proc.returncode == 1 and text in proc.stderr, (proc.stdout, proc.stderr)


def unit_name(db_url: str, ref: str) -> str | None:
    db = Database.from_url(db_url)
    try:
        with db.session() as s:
            found = find_unit(s, ref)
            return found.name if found else None
    finally:
        db.dispose()


def test_backup_change_restore_and_revisions(db_url, tmp_path):
    cli = lambda *args, **kw: assistant_in_process(db_url, tmp_path, *args, **kw)  # noqa: E731
    assert "尚未初始化" in ok(cli("db", "current"))
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(HEAD).down_revision
    upgrade(db_url, previous)
    assert f"数据库版本 {previous}（最新为 {HEAD}" in ok(cli("db", "current"))
    history = ok(cli("db", "history")).splitlines()
    assert history[0].startswith(f"  {HEAD}  ") and history[1].startswith(f"* {previous}  ")
    assert history[-1].startswith("  0001  initial schema")
    ok(cli("db", "backup", "old.bak"))

    ok(cli("db", "upgrade"))
    ok(cli("org", "import", str(EXAMPLES / "org_example.csv")))
    assert f"数据库版本 {HEAD}（最新）" in ok(cli("db", "current"))
    assert ok(cli("db", "history")).startswith(f"* {HEAD}  ")
    assert f"版本 {HEAD}" in ok(cli("db", "backup", "org.bak"))
    fails(cli("db", "backup", "org.bak"), "已存在")

    db = Database.from_url(db_url)  # changes after the backup: a unit renamed, a person added
    try:
        with db.session() as s:
            find_unit(s, "MY01").name = "改名新村"
            create_person(s, "备份后的人", "13900000009")
    finally:
        db.dispose()
    assert unit_name(db_url, "MY01") == "改名新村"

    fails(cli("db", "restore", "org.bak", stdin="n\n"), "")  # not confirmed: nothing happens
    assert unit_name(db_url, "MY01") == "改名新村"
    out = ok(cli("db", "restore", "org.bak", "--yes"))
    assert f"已从 org.bak 恢复数据库（版本 {HEAD}）" in out and "早于" not in out
    assert unit_name(db_url, "MY01") == "梅园新村"
    db = Database.from_url(db_url)
    try:
        with db.session() as s:
            assert find_person(s, "13900000009") is None
            assert create_person(s, "恢复后的人", "13900000010").id  # the sequences came back too
    finally:
        db.dispose()

    out = ok(cli("db", "restore", "old.bak", "-y"))  # the older backup: no org, an older schema
    assert f"版本 {previous}" in out and f"早于本程序的最新版本 {HEAD}" in out
    assert f"数据库版本 {previous}（最新为 {HEAD}" in ok(cli("db", "current"))
    assert unit_name(db_url, "MY01") is None
    ok(cli("db", "upgrade"))  # the newer tables went with the restore, so the upgrade runs again
    assert f"数据库版本 {HEAD}（最新）" in ok(cli("db", "current"))


def test_restore_refuses_what_is_not_a_backup(db_url, tmp_path):
    cli = lambda *args, **kw: assistant(db_url, tmp_path, *args, **kw)  # noqa: E731
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    fails(cli("db", "backup", "x.bak"), "尚未初始化，没有可备份的内容")
    fails(cli("db", "restore", "missing.bak", "-y"), "找不到备份文件 missing.bak")
    ok(cli("db", "upgrade"))
    (tmp_path / "junk.bak").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    fails(cli("db", "restore", "junk.bak", "-y"), f"junk.bak 不是本助手的 {backend} 数据库备份")
    (tmp_path / "notes.txt").write_text("备份\n", encoding="utf-8")
    fails(cli("db", "restore", "notes.txt", "-y"), f"notes.txt 不是本助手的 {backend} 数据库备份")
    assert f"数据库版本 {HEAD}（最新）" in ok(cli("db", "current"))  # the database is untouched


def test_unreachable_database(tmp_path):
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/nothing"
    for args in (("db", "current"), ("db", "history"), ("db", "upgrade"), ("db", "backup", "x.bak"),
                 ("db", "restore", "x.bak", "-y")):
        if args[1] == "restore":
            (tmp_path / "x.bak").write_bytes(b"x")
        proc = assistant(url, tmp_path, *args)
        fails(proc, "无法连接数据库 postgresql+psycopg://postgres:***@127.0.0.1:1/nothing")
        assert "secret" not in proc.stderr
