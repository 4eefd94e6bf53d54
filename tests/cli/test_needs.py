"""`assistant needs / tasks / resources` through typer's CliRunner on a temporary database (SQLite, PostgreSQL)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli import _common as cli_common
from assistant.cli import needs as cli_needs
from assistant.needs.filing import NeedDraft, file_need
from assistant.needs.resources import list_resources
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.policy import load_needs_policy

from . import bad_choice


@pytest.fixture
def cli(cfg, tree, monkeypatch):
    """Run the sub-apps against the example tree on the test database."""
    monkeypatch.setattr(cli_common, "get_settings", lambda: cfg)
    app = typer.Typer()
    app.add_typer(cli_needs.needs_app, name="needs")
    app.add_typer(cli_needs.tasks_app, name="tasks")
    app.add_typer(cli_needs.resources_app, name="resources")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def people(tree) -> dict[str, int]:
    """A property manager (no role), a liaison and a building leader at 梅园新村."""
    ids = {}
    with tree.session() as s:
        for key, name, phone, role, unit in (("manager", "王经理", "13900000001", None, None),
                                             ("liaison", "物业联络员", "13900000002", "property_liaison", "MY01"),
                                             ("leader", "一栋楼长", "13900000003", "building_leader", "MY01-1")):
            person = create_person(s, name, phone)
            if role:
                bind_role(s, person, role, find_unit(s, unit))
            ids[key] = person.id
    return ids


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def fails(result, text: str) -> None:
    """Exit code 1 with a message, not a traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert text in result.output and "Traceback" not in result.output


def refused(result, value: str, suggestion: str | None = None) -> None:
    bad_choice(result.exit_code, result.output, value, suggestion)


def _file(db, submitter: int, category: str = "leak") -> int:
    with db.session() as s:
        draft = NeedDraft(compound_id=find_unit(s, "MY01").id, building_id=find_unit(s, "MY01-1").id,
                          category=category, description="楼上漏水到我家，天花板一直滴水", urgency="normal",
                          resident_name="张阿姨", resident_phone="13812345678", consent=True, photo_file_id=None)
        return file_need(s, load_needs_policy(), submitter, draft).id


def test_a_task_route_set_by_cli_routes_needs_filed_afterwards(cli, tree, people):
    out = ok(cli("tasks", "set", "--compound", "MY01", "--category", "leak", "--party-type", "property_company",
                 "--label", "梅园物业公司", "--person", "王经理", "--person", people["liaison"]))
    assert "梅园物业公司" in out and "漏水" in out and "王经理、物业联络员" in out
    listing = ok(cli("tasks", "list", "--compound", "梅园新村"))
    assert "漏水（leak）：梅园物业公司［物业服务企业］ 处理人：王经理、物业联络员 （任务清单）" in listing
    assert "电梯（elevator）：物业服务企业［物业服务企业］ 处理人：物业联络员 （默认）" in listing

    need_id = _file(tree, people["leader"])
    needs = json.loads(ok(cli("needs", "list", "--json")))
    assert [n["id"] for n in needs] == [need_id]
    assert needs[0]["responsible_party"] == "梅园物业公司"
    assert needs[0]["assignee_ids"] == sorted([people["manager"], people["liaison"]])
    assert datetime.fromisoformat(needs[0]["accept_due_at"]).utcoffset().total_seconds() == 0

    shown = json.loads(ok(cli("needs", "show", need_id, "--json")))
    assert shown["need"]["ticket"] == needs[0]["ticket"] and shown["resident_phone"] == "13812345678"
    assert [e["kind"] for e in shown["events"]] == ["filed", "routed"]
    assert shown["events"][1]["note"] == "梅园物业公司" and shown["events"][0]["actor_name"] == "一栋楼长"
    assert {a["name"] for a in shown["assignees"]} == {"王经理", "物业联络员"}
    assert datetime.fromisoformat(shown["events"][0]["at"]).tzinfo is not None
    text = ok(cli("needs", "show", needs[0]["ticket"].lower()))
    assert "梅园物业公司" in text and "分派给 梅园物业公司" in text and "梅园新村 1栋" in text and "北京时间" in text
    assert needs[0]["ticket"] in ok(cli("needs", "list", "--unit", "MY01-1", "--status", "new"))
    assert json.loads(ok(cli("needs", "list", "--unit", "锦绣华庭", "--json"))) == []
    assert "没有符合条件的需求" in ok(cli("needs", "list", "--status", "closed"))

    assert "恢复默认：物业服务企业" in ok(cli("tasks", "remove", "--compound", "MY01", "--category", "leak"))
    assert "没有任务清单条目" in ok(cli("tasks", "remove", "--compound", "MY01", "--category", "leak"))
    with tree.session() as s:
        routed = file_need(s, load_needs_policy(), people["leader"], NeedDraft(
            compound_id=find_unit(s, "MY01").id, building_id=None, category="leak", description="地下室水管漏水",
            urgency="normal", resident_name=None, resident_phone=None, consent=False, photo_file_id=None))
    assert (routed.responsible_party, routed.assignee_ids) == ("物业服务企业", (people["liaison"],))


def test_unknown_things_are_refused_with_a_message(cli, people):
    task = ["tasks", "set", "--party-type", "property_company", "--label", "X"]
    fails(cli(*task, "--compound", "火星小区", "--category", "leak"), "找不到组织“火星小区”")
    fails(cli(*task, "--compound", "1栋", "--category", "leak"), "对应多个组织")
    fails(cli(*task, "--compound", "MY01-1", "--category", "leak"), "只设在小区")
    refused(cli(*task, "--compound", "MY01", "--category", "weather"), "weather")
    refused(cli("tasks", "set", "--compound", "MY01", "--category", "leek", "--party-type", "property_company",
                "--label", "X"), "leek", "leak")
    refused(cli("tasks", "set", "--compound", "MY01", "--category", "leak", "--party-type", "mayor", "--label", "X"),
            "mayor")
    fails(cli(*task, "--compound", "MY01", "--category", "leak", "--person", "无名氏"), "找不到人员“无名氏”")
    fails(cli("tasks", "set", "--compound", "MY01", "--category", "leak", "--party-type", "property_company",
              "--label", " "), "请填写责任主体名称")
    fails(cli("tasks", "list", "--compound", "火星"), "火星")
    refused(cli("tasks", "remove", "--compound", "MY01", "--category", "weather"), "weather")
    refused(cli("needs", "list", "--status", "lost"), "lost")
    refused(cli("needs", "list", "--status", "in_progres"), "in_progres", "in_progress")
    fails(cli("needs", "list", "--unit", "火星"), "找不到组织")
    fails(cli("needs", "show", "99999"), "找不到需求“99999”")
    fails(cli("needs", "show", "XQ-20990101-0001", "--json"), "找不到需求")
    refused(cli("resources", "add", "--unit", "MY01", "--name", "X", "--tag", "leak", "--tag", "elevatr"), "elevatr",
            "elevator")
    fails(cli("resources", "add", "--unit", "MY01", "--name", "X", "--tag", "leak", "--capacity", "0"), "正整数")
    fails(cli("resources", "add", "--unit", "MY01", "--name", "X", "--tag", "leak", "--capacity", 2**40), "正整数")
    fails(cli("resources", "add", "--unit", "MY01", "--name", "X", "--tag", "leak", "--provider-person", "无名氏"),
          "找不到人员")
    fails(cli("resources", "list", "--unit", "火星"), "找不到组织")
    fails(cli("resources", "deactivate", "99999"), "找不到编号为 99999 的资源")


def test_resources_add_list_deactivate(cli, tree, people):
    out = ok(cli("resources", "add", "--unit", "澄江街道", "--name", "澄江街道水电维修队", "--tag", "leak", "--tag", "repair",
                 "--contact", "0563-2345678", "--capacity", "3", "--availability", "工作日 8:00-17:00"))
    assert "资源已登记" in out and "漏水、设施维修" in out and "澄江街道" in out
    ok(cli("resources", "add", "--unit", "MY01-1", "--name", "李师傅", "--tag", "leak", "--provider-person", "一栋楼长"))
    listing = ok(cli("resources", "list", "--unit", "宣州区"))
    assert "澄江街道水电维修队（澄江街道）类别：漏水、设施维修；联系：0563-2345678；服务能力：3" in listing and "李师傅" in listing
    [mine] = json.loads(ok(cli("resources", "list", "--unit", "MY01", "--json")))
    assert mine["provider_person_id"] == people["leader"] and mine["tags"] == ["leak"] and mine["capacity"] is None
    assert datetime.fromisoformat(mine["created_at"]).tzinfo is not None
    assert "已停用" in ok(cli("resources", "deactivate", mine["id"]))
    assert "没有资源" in ok(cli("resources", "list", "--unit", "MY01"))
    assert "【已停用】" in ok(cli("resources", "list", "--unit", "MY01", "--all"))
    with tree.session() as s:
        assert len(list_resources(s, find_unit(s, "宣州区").id)) == 1


def test_list_and_show_name_the_entrance_the_form_recorded(cli, tree, people):
    with tree.session() as s:
        draft = NeedDraft(compound_id=find_unit(s, "MY01").id, building_id=find_unit(s, "MY01-1").id,
                          category="leak", description="2单元楼道漏水", urgency="normal", resident_name=None,
                          resident_phone=None, consent=False, photo_file_id=None, entrance=2)
        view = file_need(s, load_needs_policy(), people["leader"], draft)
    assert "梅园新村 1栋 2单元" in ok(cli("needs", "list"))
    assert "梅园新村 1栋 2单元" in ok(cli("needs", "show", view.ticket))
    assert [n["entrance"] for n in json.loads(ok(cli("needs", "list", "--json")))] == [2]
    assert json.loads(ok(cli("needs", "show", view.id, "--json")))["need"]["entrance"] == 2
