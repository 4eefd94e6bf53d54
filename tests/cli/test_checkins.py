"""`assistant checkins` as a real subprocess on SQLite and PostgreSQL: the lines, --json and the workbook for the
work units' party organisations (read back with openpyxl)."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.helpers.world import recorded_long_ago


ROSTER = ("姓名,电话,角色,单位,是否党员,工作单位\n"
          "张三,13812345678,楼栋长,MY01-1,是,宣城市第一中学\n"  # in service, never checked in: overdue
          "李四,13812340000,resident,MY02-1,是,市住建局\n"
          "王五,13700000001,resident,MY01-2,是,\n")  # not in service: no deadline yet


def test_checkins_lines_json_and_workbook(assistant_in_process, tree, tmp_path):
    assistant = assistant_in_process  # the lines, JSON and workbook written, in-process
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the policy's calendar day
    (tmp_path / "r.csv").write_text(ROSTER, encoding="utf-8")
    assert assistant("people", "import", tmp_path / "r.csv").returncode == 0
    fresh = {r["name"]: r for r in json.loads(assistant("checkins", "--unit", "梅园社区", "--json").stdout)}
    assert fresh["张三"]["status"] == "not_due"  # recorded today: due a month from now, not by the 2020 deadline
    assert date.fromisoformat(fresh["张三"]["deadline"]) > today
    with tree.session() as session:
        recorded_long_ago(session)  # as if the roster had been kept since before 2020-06-30
    lines = assistant("checkins", "--unit", "梅园社区")
    assert lines.returncode == 0, lines.stderr
    zhang = next(line for line in lines.stdout.splitlines() if "张三" in line)
    assert "138****5678" in zhang and "逾期未报到" in zhang and "宣城市第一中学" in zhang and "逾期" in zhang
    assert "13812345678" not in lines.stdout
    rows = {r["name"]: r for r in json.loads(assistant("checkins", "--unit", "梅园社区", "--json").stdout)}
    assert set(rows) == {"张三", "李四", "王五"} and rows["王五"]["status"] == "not_due"
    assert rows["张三"]["status"] == "overdue" and date.fromisoformat(rows["张三"]["deadline"]) < today
    assert rows["张三"]["phone_masked"] == "138****5678" and "work_unit_contact" not in rows["张三"]
    assert rows["张三"]["days_late"] == (today - date.fromisoformat(rows["张三"]["deadline"])).days

    out = tmp_path / "late.xlsx"
    saved = assistant("checkins", "--unit", "梅园社区", "--xlsx", out)
    assert saved.returncode == 0 and "2 名" in saved.stdout
    sheet = load_workbook(out).active
    assert "梅园社区" in sheet["A1"].value and sheet["A2"].value == "姓名" and sheet.freeze_panes == "A3"
    assert sorted(sheet.cell(row, 1).value for row in (3, 4)) == ["张三", "李四"] and sheet.max_row == 4
    assert isinstance(sheet["I3"].value, datetime) and isinstance(sheet["K3"].value, int)
    assert sheet.page_setup.orientation == "landscape" and sheet.auto_filter.ref == "A2:K4"
    one = assistant("checkins", "--unit", "梅园社区", "--xlsx", out, "--work-unit", "市住建局")
    assert one.returncode == 0 and "1 名" in one.stdout
    sheet = load_workbook(out).active
    assert "市住建局" in sheet["A1"].value and sheet["A3"].value == "李四" and sheet.max_row == 3


def test_checkins_refuses_a_building_and_an_unknown_unit(assistant):
    building = assistant("checkins", "--unit", "MY01-1")
    assert building.returncode == 1 and building.stderr.strip() and building.stdout == ""
    assert "找不到单位：火星" in assistant("checkins", "--unit", "火星").stderr
