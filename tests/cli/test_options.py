"""Options of a closed set, shell completion, progress bars and --json, through `assistant` as a real subprocess on
the test's own SQLite or PostgreSQL database."""
from __future__ import annotations

import json
import os
import pty
import subprocess

from assistant.needs.filing import NeedDraft, file_need
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.policy import load_needs_policy

from ..conftest import EXAMPLES
from . import bad_choice
from .conftest import BIN

ROSTER = "姓名,电话,角色,单位,是否党员,工作单位\n张三,13812345678,楼栋长,MY01-1,是,宣城市第一中学\n"


def usage_error(proc, value: str, suggestion: str | None = None) -> None:
    assert proc.stdout == ""
    bad_choice(proc.returncode, proc.stderr, value, suggestion)


def test_a_value_outside_the_set_exits_2_with_the_nearest_one(assistant_in_process, tmp_path):
    assistant = assistant_in_process  # what the usage errors say and exit with, in-process
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    assert assistant("people", "import", tmp_path / "r.csv").returncode == 0
    usage_error(assistant("people", "revoke", "张三", "--role", "bulding_leader"), "bulding_leader", "building_leader")
    usage_error(assistant("people", "move", "张三", "--role", "mayor", "--to", "MY01-2"), "mayor")
    usage_error(assistant("seats", "add", "--unit", "澄江街道", "--person", "张三", "--organ", "street_comittee",
                          "--position", "member"), "street_comittee", "street_committee")
    usage_error(assistant("seats", "add", "--unit", "澄江街道", "--person", "张三", "--organ", "street_committee",
                          "--position", "boss"), "boss")
    usage_error(assistant("needs", "list", "--status", "resolve"), "resolve", "resolved")
    usage_error(assistant("tasks", "set", "--compound", "MY01", "--category", "elevater", "--party-type",
                          "property_company", "--label", "X"), "elevater", "elevator")
    assert "已撤销 张三" in assistant("people", "revoke", "张三", "--role", "building_leader").stdout
    assert "--role" in assistant("people", "revoke", "--help").stdout


def complete(assistant, line: str) -> str:
    proc = assistant(env={"_ASSISTANT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_shell_completes_the_sets(assistant):
    statuses = complete(assistant, "assistant needs list --status re")
    assert "resolved" in statuses and "reopened" in statuses and "accepted" not in statuses
    assert "building_leader" in complete(assistant, "assistant invite --role build")
    assert "elevator" in complete(assistant, "assistant tasks set --category ele")  # from the needs policy
    assert "owners_committee" in complete(assistant, "assistant tasks set --party-type own")
    assert "lastweek" in complete(assistant, "assistant digest --period last")


def on_a_terminal(assistant_env, *args) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout a pipe): exit code, stdout, what the terminal showed."""
    main, side = pty.openpty()
    proc = subprocess.Popen([str(BIN), *map(str, args)], env={**assistant_env, "TERM": "xterm", "COLUMNS": "100"},
                            stdout=subprocess.PIPE, stderr=side)
    os.close(side)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(main)
    return proc.returncode, out.decode(), shown.decode(errors="replace")


def test_imports_show_a_bar_on_a_terminal_only(assistant, assistant_env, tmp_path):
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    code, out, shown = on_a_terminal(assistant_env, "people", "import", tmp_path / "r.csv")
    assert code == 0 and "新增 1 人" in out and "新增" not in shown
    assert "检查" in shown and "导入" in shown and "100%" in shown
    code, out, shown = on_a_terminal(assistant_env, "org", "import", EXAMPLES / "org_example.csv")
    assert code == 0 and "未变 35" in out and "导入" in shown and "100%" in shown
    quiet = assistant("org", "import", EXAMPLES / "org_example.csv")  # stderr a pipe: no bar
    assert quiet.returncode == 0 and quiet.stderr == "" and "未变 35" in quiet.stdout


def test_list_json_shows_no_more_than_the_lines(assistant, tree):
    with tree.session() as s:
        leader = create_person(s, "一栋楼长", "13900000003")
        bind_role(s, leader, "building_leader", find_unit(s, "MY01-1"))
        file_need(s, load_needs_policy(), leader.id, NeedDraft(
            compound_id=find_unit(s, "MY01").id, building_id=find_unit(s, "MY01-1").id, category="leak",
            description="3楼卫生间漏水到楼下", urgency="normal", resident_name="李阿姨", resident_phone="13811112222",
            consent=True, photo_file_id=None))
    lines = assistant("needs", "list").stdout
    [need] = json.loads(assistant("needs", "list", "--json").stdout)
    assert "李阿姨" not in lines and "1111" not in lines
    assert need["category"] == "leak" and "resident_name" not in need and "resident_phone_masked" not in need
    assert need["created_at"].endswith("+00:00")
    tasks = json.loads(assistant("tasks", "list", "--compound", "MY01", "--json").stdout)
    assert {t["category"] for t in tasks} >= {"leak", "elevator"} and {t["source"] for t in tasks} == {"default"}
