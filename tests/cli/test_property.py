"""`assistant property / owners / evaluations` through typer's CliRunner on a temporary database (SQLite,
PostgreSQL)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import _common as cli_common
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.policy.rubric import load_rubric
from assistant.property import evaluations

from . import bad_choice
from .test_needs import fails, ok

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def run(cfg, tree, monkeypatch):
    """The whole `assistant` CLI against the example tree on the test database."""
    monkeypatch.setattr(cli_common, "get_settings", lambda: cfg)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, [str(a) for a in args])


def _people(tree, *names: str) -> None:
    """People already known (`--person`, `--liaison` name someone imported, never create one)."""
    with tree.session() as s:
        for name in names:
            create_person(s, name)


def test_companies_and_contracts(run, tree):
    _people(tree, "王联络")
    assert "#1 安居物业" in ok(run("property", "add", "--name", "安居物业", "--party-org", "--credit-code", "91341800X"))
    fails(run("property", "add", "--name", "安居物业"), "已有同名物业企业")
    out = ok(run("property", "contract", "--company", "安居物业", "--compound", "MY01", "--from", "2026-01-01",
                 "--to", "2028-12-31", "--liaison", "王联络"))
    assert "安居物业 服务 梅园新村，2026-01-01 起，至 2028-12-31" in out
    fails(run("property", "contract", "--company", "不存在物业", "--compound", "MY01", "--from", "2026-01-01"),
          "找不到物业企业")
    fails(run("property", "contract", "--company", "1", "--compound", "MY01", "--from", "2026-13-01"), "日期格式不对")
    fails(run("property", "contract", "--company", "1", "--compound", "MY01", "--from", "2026-02-01",
              "--to", "2026-01-01"), "结束日期不能早于开始日期")
    fails(run("property", "contract", "--company", "1", "--compound", "梅园社区", "--from", "2026-01-01"), "梅园社区")
    listing = ok(run("property", "list"))
    assert "信用代码：91341800X  党组织：有" in listing and "安居物业 · 梅园新村  2026-01-01 至 2028-12-31  联络员：王联络" in listing
    assert "安居物业 · 梅园新村" not in ok(run("property", "list", "--unit", "敬亭社区"))
    listed = json.loads(ok(run("property", "list", "--json")))
    assert listed["companies"][0]["credit_code"] == "91341800X" and listed["contracts"][0]["liaison_name"] == "王联络"
    assert (listed["contracts"][0]["starts_on"], listed["contracts"][0]["ends_on"]) == ("2026-01-01", "2028-12-31")
    assert json.loads(ok(run("property", "list", "--unit", "敬亭社区", "--json")))["contracts"] == []


def test_owners_committee(run, tree):
    _people(tree, "赵一", "钱二", "孙三")
    assert "主任：赵一（党员）" in ok(run("owners", "add", "--compound", "MY02", "--person", "赵一", "--role", "chair",
                                       "--party"))
    fails(run("owners", "add", "--compound", "MY02", "--person", "钱二", "--role", "chair"), "已有主任：赵一")
    boss = run("owners", "add", "--compound", "MY02", "--person", "钱二", "--role", "boss")
    bad_choice(boss.exit_code, boss.output, "boss")
    ok(run("owners", "add", "--compound", "MY02", "--person", "钱二", "--role", "vice_chair"))
    ok(run("owners", "add", "--compound", "MY02", "--person", "孙三"))
    listing = ok(run("owners", "list", "--compound", "MY02"))
    assert listing.index("赵一") < listing.index("钱二") < listing.index("孙三") and "党员 1/3（33%）" in listing
    members = json.loads(ok(run("owners", "list", "--compound", "MY02", "--json")))
    assert [(m["name"], m["role"], m["party_member"]) for m in members] == [
        ("赵一", "chair", True), ("钱二", "vice_chair", False), ("孙三", "member", False)]


def test_list_and_export(run, tree, tmp_path):
    rubric = load_rubric()
    ok(run("property", "add", "--name", "安居物业"))
    ok(run("property", "contract", "--company", "安居物业", "--compound", "MY01", "--from", "2025-01-01"))
    with tree.session() as s:
        secretary = create_person(s, "梅园书记")
        bind_role(s, secretary, "branch_secretary", find_unit(s, "MY01"))
        scores = {i.id: (i.max, None) for i in rubric.items}
        for period, cleaning in (("2026H1", 15), ("2026H2", 10)):
            scores["cleaning"] = (cleaning, None if cleaning == 15 else "垃圾清运不及时")
            evaluations.submit(s, rubric, secretary.id, 1, find_unit(s, "MY01").id, period, scores, [], now=T0)
    assert "安居物业 · 梅园新村：党建 100，服务 95，综合 97.5" in ok(run("evaluations", "list", "--period", "2026H2"))
    [rating] = json.loads(ok(run("evaluations", "list", "--period", "2026H2", "--json")))
    assert (rating["compound_name"], rating["party_score"], rating["service_score"], rating["total"]) == (
        "梅园新村", 100, 95, 97.5)
    assert json.loads(ok(run("evaluations", "list", "--period", "2025H2", "--json"))) == []
    bad = run("evaluations", "list", "--period", "2026-2")
    assert bad.exit_code == 2 and "考核期格式不对" in bad.output
    target = tmp_path / "ratings.xlsx"
    assert "已导出 2 条" in ok(run("evaluations", "export", target))
    book = load_workbook(target)
    results, details = book.worksheets
    rows = list(results.iter_rows(values_only=True))
    assert "物业企业考核评价" in rows[0][0] and "生成于" in rows[0][0] and results.freeze_panes == "A3"
    assert rows[1][:4] == ("考核期", "街道", "小区", "物业企业") and results["E2"].font.bold
    assert results.auto_filter.ref == "A2:M4" and results.page_setup.orientation == "landscape"
    assert isinstance(details["O3"].value, datetime)  # submitted at: a real date
    assert [(r[0], r[2], r[5], r[7], r[9]) for r in rows[2:]] == [("2026H1", "梅园新村", 100, 5, 1),
                                                                 ("2026H2", "梅园新村", 95, 5, 1)]
    noted = [r for r in details.iter_rows(values_only=True) if r[11] == "垃圾清运不及时"]
    assert len(noted) == 1 and noted[0][8] == "环境卫生" and noted[0][10] == 10
    fails(run("evaluations", "export", tmp_path / "ratings.csv"), ".xlsx")
