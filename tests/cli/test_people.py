"""`assistant people …`, `assistant tasks set --person` and `assistant audit` on the test's own SQLite or
PostgreSQL database (DATABASE_URL): as real subprocesses (`cli`), and where a test checks only what the commands
say and do to the database, the same commands in-process (`cli_in_process`, typer's CliRunner)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from openpyxl import load_workbook

ROSTER = ("姓名,电话,角色,单位,是否党员,工作单位\n"
          "张三,13812345678,楼栋长,MY01-1,是,宣城市第一中学\n"
          "王芳,13900000002,community,梅园社区,否,\n"
          "刘洋,13700000001,resident,MY01-1,,\n"
          "刘洋,13700000002,resident,MY02-1,,\n")


@pytest.fixture
def cli(assistant):
    return assistant


@pytest.fixture
def cli_in_process(assistant_in_process):
    return assistant_in_process


def ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_roster_import_then_the_readme_task_example_works(cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(ROSTER.encode("gbk"))
    assert "新增 4 人" in ok(cli("people", "import", str(roster)))
    out = ok(cli("tasks", "set", "--compound", "梅园新村", "--category", "elevator", "--party-type",
                 "property_company", "--label", "XX物业公司", "--person", "张三"))
    assert "处理人：张三" in out
    people = json.loads(ok(cli("people", "list", "--unit", "梅园新村", "--json")))
    assert [p["name"] for p in people] == ["刘洋", "张三"]
    assert people[1]["phone"] == "13812345678" and people[1]["roles"][0]["role"] == "building_leader"
    card = ok(cli("people", "show", "13812345678"))
    assert "张三" in card and "宣城市第一中学" in card and "梅园新村 > 1栋" in card


def test_an_ambiguous_person_lists_the_candidates(cli_in_process, tmp_path):
    cli = cli_in_process
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(tmp_path / "r.csv")))
    ok(cli("property", "add", "--name", "安居物业"))
    for args in (("people", "show", "刘洋"),
                 ("tasks", "set", "--compound", "MY01", "--category", "leak", "--party-type", "property_company",
                  "--label", "物业", "--person", "刘洋"),
                 ("seats", "add", "--unit", "澄江街道", "--person", "刘洋", "--organ", "street_committee",
                  "--position", "member"),
                 ("owners", "add", "--compound", "MY01", "--person", "刘洋"),
                 ("property", "contract", "--company", "安居物业", "--compound", "MY01", "--from", "2026-01-01",
                  "--liaison", "刘洋")):
        proc = cli(*args)
        assert proc.returncode == 1 and "“刘洋”对应多人" in proc.stderr, (args, proc.stderr)
        assert proc.stderr.count("编号 ") == 2 and "梅园新村" not in proc.stdout
    assert "找不到人员“赵六”" in cli("people", "show", "赵六").stderr


def test_a_person_without_a_role_left_is_still_shown_and_listed_with_all(cli_in_process, tmp_path):
    cli = cli_in_process
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(tmp_path / "r.csv")))
    ok(cli("people", "revoke", "张三", "--role", "building_leader"))
    card = ok(cli("people", "show", "张三"))
    assert "张三" in card and "13812345678" in card and "（无）" in card and "楼栋长" not in card
    assert json.loads(ok(cli("people", "show", "13812345678", "--json")))["roles"] == []
    assert "张三" not in ok(cli("people", "list"))  # the list is of who holds a role …
    everyone = ok(cli("people", "list", "--all"))  # … --all adds everyone else, marked so
    assert "张三 13812345678 — 无角色" in everyone and "王芳" in everyone
    assert "张三" not in ok(cli("people", "list", "--all", "--unit", "梅园新村"))  # bound nowhere
    assert [p["roles"] for p in json.loads(ok(cli("people", "list", "--all", "--json"))) if p["name"] == "张三"] == [[]]


def test_every_person_option_refuses_an_unknown_person_and_names_people_import(cli_in_process, tmp_path):
    """--person of seats/owners/tasks, --liaison and --provider-person read a person the same way and create
    nobody: an unknown name is refused naming `assistant people import`; imported (even without a role), it works."""
    cli = cli_in_process
    ok(cli("property", "add", "--name", "安居物业"))
    unknown = [("seats", "add", "--unit", "澄江街道", "--person", "新委员", "--organ", "street_committee",
                "--position", "part_time_member"),
               ("owners", "add", "--compound", "MY01", "--person", "新委员", "--role", "chair"),
               ("property", "contract", "--company", "安居物业", "--compound", "MY01", "--from", "2026-01-01",
                "--liaison", "新委员"),
               ("tasks", "set", "--compound", "MY01", "--category", "leak", "--party-type", "property_company",
                "--label", "物业", "--person", "新委员"),
               ("resources", "add", "--unit", "梅园社区", "--name", "维修队", "--tag", "leak",
                "--provider-person", "新委员")]
    for args in unknown:
        proc = cli(*args)
        assert proc.returncode == 1 and "找不到人员“新委员”" in proc.stderr, (args, proc.stderr)
        assert "assistant people import" in proc.stderr, proc.stderr
    assert "新委员" not in ok(cli("people", "list", "--all"))  # nobody was created
    (tmp_path / "new.csv").write_text("姓名,电话,角色,单位\n新委员,13900000099,,\n", encoding="utf-8")
    assert "新增 1 人" in ok(cli("people", "import", str(tmp_path / "new.csv")))
    for args in unknown:
        ok(cli(*args))
    assert "新委员 13900000099 — 无角色" in ok(cli("people", "list", "--all"))
    assert "处理人：新委员" in ok(cli("tasks", "set", "--compound", "MY02", "--category", "leak", "--party-type",
                                   "property_company", "--label", "物业", "--person", "13900000099"))  # by phone


def test_revoke_and_move_are_audited(cli_in_process, tmp_path):
    cli = cli_in_process
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(tmp_path / "r.csv")))
    assert "已将 张三 的“楼栋长”角色调整到" in ok(cli("people", "move", "张三", "--role", "building_leader",
                                                 "--to", "MY01-2"))
    bad = cli("people", "move", "张三", "--role", "building_leader", "--to", "梅园新村")
    assert bad.returncode == 1 and "“楼栋长”角色只能设在：楼栋" in bad.stderr and "cannot be bound" not in bad.stderr
    assert "已撤销 张三 的“楼栋长”角色" in ok(cli("people", "revoke", "张三", "--role", "building_leader"))
    missing = cli("people", "revoke", "张三", "--role", "building_leader")
    assert missing.returncode == 1 and "此人没有“楼栋长”角色" in missing.stderr
    trail = json.loads(ok(cli("audit", "--json", "--unit", "梅园新村")))
    assert [e["action"] for e in trail][-2:] == ["role_move", "role_revoke"]
    assert trail[-1]["before"]["unit"].endswith("2栋") and trail[-1]["actor_name"] is None
    assert all(e["unit_path"].startswith("宣州区 > 澄江街道 > 梅园社区 > 梅园新村") for e in trail)
    everything = json.loads(ok(cli("audit", "--json")))
    assert {"org_import", "people_import"} <= {e["action"] for e in everything}
    assert json.loads(ok(cli("audit", "--json", "--since", "2999-01-01"))) == []
    assert "无法识别的日期" in cli("audit", "--since", "昨天").stderr
    text = ok(cli("audit", "--since", "2000-01-01"))
    assert "命令行" in text and "撤销角色" in text


def test_audit_workbook(cli_in_process, tmp_path):
    cli = cli_in_process
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(tmp_path / "r.csv")))
    out = tmp_path / "audit.xlsx"
    assert "审计记录" in ok(cli("audit", "--xlsx", str(out), "--unit", "梅园社区"))
    ws = load_workbook(out).active
    assert ws.title == "审计记录" and "梅园社区" in ws["A1"].value and "生成于" in ws["A1"].value
    assert [c.value for c in ws[2]] == ["时间", "操作人", "操作", "对象", "单位", "变更前", "变更后"]
    assert ws["A2"].font.bold and ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:G{ws.max_row}"
    assert isinstance(ws["A3"].value, datetime) and ws["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C3"].value == "授予角色" and json.loads(ws["G3"].value)["role"] == "building_leader"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$2"
