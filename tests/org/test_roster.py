"""Roster import (CSV in UTF-8 and GBK, XLSX): people and roles created, bad rows named by row and field,
nothing half-imported; on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from assistant.org.auditlog import events
from assistant.org.roster import import_people
from assistant.org.tree import OrgImportError
from assistant.storage.models import AuditEvent, Person, RoleBinding

HEADER = "name,phone,role,unit,party_member,work_unit\n"


def _counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count(Person.id))), s.scalar(select(func.count(RoleBinding.id))),
                s.scalar(select(func.count(AuditEvent.id))))


def test_a_gbk_roster_with_chinese_headers_and_role_names(tree, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(("姓名,电话,角色,单位,是否党员,工作单位\n"
                      "张三,138-1234-5678,楼栋长,MY01-1,是,宣城市第一中学\n"
                      "张三,13812345678,resident,MY01-1,,\n"
                      "李四,,社区协调员,梅园社区,否,\n").encode("gbk"))
    report = import_people(tree, path)
    assert (report.created, report.granted) == (2, 3)
    with tree.session() as s:
        zhang = s.scalars(select(Person).where(Person.name == "张三")).one()
        assert zhang.phone == "13812345678" and zhang.party_member and zhang.work_unit == "宣城市第一中学"
        assert sorted(b.role for b in zhang.roles) == ["building_leader", "resident"]
        actions = [e.action for e in events(s)]
    assert actions[-4:] == ["role_grant", "role_grant", "role_grant", "people_import"]
    again = import_people(tree, path)
    assert (again.created, again.granted, again.unchanged) == (0, 0, 3)


def test_xlsx_updates_an_existing_person_found_by_phone(tree, tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "王五,13900000009,branch_member,MY01,否,\n", encoding="utf-8")
    import_people(tree, tmp_path / "a.csv")
    book = Workbook()
    book.active.append(["name", "phone", "role", "unit", "party_member", "work_unit"])
    book.active.append(["王五", 13900000009, "property_liaison", "梅园新村", "是", "XX物业"])
    book.save(tmp_path / "b.xlsx")
    report = import_people(tree, tmp_path / "b.xlsx")
    assert (report.created, report.updated, report.granted) == (0, 1, 1)
    with tree.session() as s:
        wang = s.scalars(select(Person).where(Person.name == "王五")).one()
        assert wang.party_member and wang.work_unit == "XX物业" and len(wang.roles) == 2


def test_bad_rows_are_named_by_row_and_field_and_nothing_is_imported(tree, tmp_path):
    before = _counts(tree)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "好人,13900000001,resident,MY01-1,是,\n"
                    ",abc,mayor,火星,也许,\n"
                    "错层,,building_leader,梅园新村,否,\n"
                    "另一人,13900000001,resident,MY01,否,\n", encoding="utf-8")
    with pytest.raises(OrgImportError) as caught:
        import_people(tree, path)
    text = caught.value.message()
    assert "整个文件均未导入" in text
    for line in ("第 3 行，姓名", "第 3 行，电话：“abc”", "第 3 行，角色：未知角色“mayor”", "第 3 行，单位：找不到单位“火星”",
                 "第 3 行，是否党员：“也许”", "第 4 行，角色：“楼栋长”角色只能设在：楼栋", "第 5 行，电话：该电话在第 2 行属于“好人”"):
        assert line in text, (line, text)
    assert "row 3, phone" in caught.value.message("en")
    assert _counts(tree) == before


def test_a_shared_name_without_a_phone_is_an_error_not_a_pick(tree, tmp_path):
    (tmp_path / "twins.csv").write_text(HEADER + "同名,13900000011,resident,MY01,,\n同名,13900000012,resident,MY02,,\n",
                                        encoding="utf-8")
    import_people(tree, tmp_path / "twins.csv")
    (tmp_path / "which.csv").write_text(HEADER + "同名,,building_leader,MY01-1,,\n", encoding="utf-8")
    with pytest.raises(OrgImportError) as caught:
        import_people(tree, tmp_path / "which.csv")
    assert "第 2 行，姓名：库中有多人同名" in caught.value.message()


def test_missing_columns(tree, tmp_path):
    (tmp_path / "cols.csv").write_text("name,phone\n张三,13800000000\n", encoding="utf-8")
    with pytest.raises(OrgImportError) as caught:
        import_people(tree, tmp_path / "cols.csv")
    assert "缺少列：role, unit" in caught.value.message()


def test_the_example_roster_of_the_readme_imports(tree):
    from ..conftest import EXAMPLES

    report = import_people(tree, EXAMPLES / "people_example.csv")
    assert (report.created, report.granted) == (3, 3)


def test_a_row_without_role_and_unit_records_the_person_alone(tree, tmp_path):
    path = tmp_path / "alone.csv"
    path.write_text(HEADER + "驻区委员,13900000021,,,是,市发改委\n", encoding="utf-8")
    before = _counts(tree)
    report = import_people(tree, path)
    assert (report.created, report.granted, report.unchanged) == (1, 0, 0)
    after = _counts(tree)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 0)  # a person, no binding
    assert import_people(tree, path).unchanged == 1  # again: nothing to do
    half = tmp_path / "half.csv"
    half.write_text(HEADER + "半行,13900000022,resident,,,\n半行二,13900000023,,MY01,,\n", encoding="utf-8")
    with pytest.raises(OrgImportError) as caught:
        import_people(tree, half)
    message = caught.value.message()
    assert "第 2 行，单位：角色和单位要么都填，要么都留空" in message and "第 3 行，角色：角色和单位要么都填" in message
