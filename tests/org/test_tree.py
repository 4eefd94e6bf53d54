"""Organisation tree: import/export of the example, bad rows, idempotence, subtree lookups."""
from __future__ import annotations

import csv
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from assistant.org.tree import (AmbiguousUnit, OrgImportError, add_unit, breadcrumb, export_org, find_unit,
                                    import_org, is_within, subtree_ids)
from assistant.storage.models import OrgUnit

from ..conftest import EXAMPLES

EXPECTED = {"district": 1, "street": 1, "community": 2, "compound": 6, "building": 18, "household": 7}


def levels(db) -> Counter:
    with db.session() as session:
        return Counter(session.scalars(select(OrgUnit.level)))


def write_csv(path, rows, header=("level", "name", "parent", "code")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.mark.parametrize("name", ["org_example.csv", "org_example.xlsx"])
def test_import_example(db, name):
    report = import_org(db, EXAMPLES / name)
    assert (report.created, report.updated, report.unchanged) == (35, 0, 0)
    assert levels(db) == EXPECTED
    with db.session() as session:
        room = session.scalars(select(OrgUnit).where(OrgUnit.name == "2单元301室")).one()
        assert breadcrumb(session, room) == "宣州区 > 澄江街道 > 梅园社区 > 梅园新村 > 1栋 > 2单元301室"
        assert room.path.count("/") == 7


def test_reimport_is_idempotent_across_formats(db):
    import_org(db, EXAMPLES / "org_example.csv")
    again = import_org(db, EXAMPLES / "org_example.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 35)
    xlsx = import_org(db, EXAMPLES / "org_example.xlsx")  # Chinese headers and level names, same tree
    assert (xlsx.created, xlsx.updated, xlsx.unchanged) == (0, 0, 35)
    assert levels(db) == EXPECTED


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trip(tree, tmp_path, suffix):
    out = tmp_path / f"tree{suffix}"
    assert export_org(tree, out, ZoneInfo("Asia/Shanghai")) == 35
    report = import_org(tree, out)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 35)


def test_bad_rows_import_nothing_and_are_named(db, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        ("district", "宣州区", "", "341802"),          # row 2 fine
        ("street", "澄江街道", "宣州区", ""),            # row 3 fine
        ("village", "某村", "澄江街道", ""),            # row 4 unknown level
        ("community", "", "澄江街道", ""),              # row 5 empty name
        ("compound", "无主小区", "不存在的社区", ""),     # row 6 parent not found
        ("building", "1栋", "澄江街道", ""),             # row 7 building directly under a street
        ("community", "梅园社区", "", ""),               # row 8 missing parent
        ("community", "梅园社区", "澄江街道", ""),        # row 9 fine
        ("community", "梅园社区", "澄江街道", ""),        # row 10 duplicate of row 9
    ])
    with pytest.raises(OrgImportError) as caught:
        import_org(db, path)
    rows = {error.row: error.key for error in caught.value.errors}
    assert rows == {4: "org.err.level", 5: "org.err.name_empty", 6: "org.err.parent_not_found",
                    7: "org.err.parent_level", 8: "org.err.parent_missing", 10: "org.err.duplicate"}
    text = caught.value.message()
    assert "第 4 行" in text and "village" in text and "第 10 行：与第 9 行重复" in text
    assert "row 7: a building cannot be directly under the street" in caught.value.message("en")
    assert levels(db) == Counter()


def test_bad_row_after_good_file_changes_nothing(tree, tmp_path):
    path = write_csv(tmp_path / "more.csv", [("compound", "新建小区", "梅园社区", "MY09"),
                                             ("household", "101室", "梅园社区", "")])
    with pytest.raises(OrgImportError) as caught:
        import_org(tree, path)
    assert [e.row for e in caught.value.errors] == [3]
    assert sum(levels(tree).values()) == 35


def test_xlsx_with_chinese_headers_and_numeric_codes(db, tmp_path):
    book = Workbook()
    for row in (["层级", "名称", "上级", "编码"], ["区", "宣州区", None, 341802], [None, None, None, None],
                ["街道", "澄江街道", 341802, 341802001]):
        book.active.append(row)
    book.save(tmp_path / "t.xlsx")
    assert import_org(db, tmp_path / "t.xlsx").created == 2
    with db.session() as session:
        assert find_unit(session, "341802001").name == "澄江街道"


def test_parent_from_database_and_ambiguous_names(tree, tmp_path):
    ok = write_csv(tmp_path / "ok.csv", [("household", "9单元901室", "MY02-1", "")])
    assert import_org(tree, ok).created == 1
    vague = write_csv(tmp_path / "vague.csv", [("household", "9单元902室", "1栋", "")])
    with pytest.raises(OrgImportError) as caught:
        import_org(tree, vague)
    assert caught.value.errors[0].key == "org.err.parent_ambiguous"


def test_missing_columns_and_unknown_format(db, tmp_path):
    with pytest.raises(OrgImportError) as caught:
        import_org(db, write_csv(tmp_path / "x.csv", [("a", "b")], header=("名称", "编码")))
    assert caught.value.errors[0].row == 1 and "level" in caught.value.message("en")
    (tmp_path / "tree.json").write_text("{}")
    with pytest.raises(OrgImportError):
        import_org(db, tmp_path / "tree.json")


def test_renamed_unit_matched_by_code(tree, tmp_path):
    path = write_csv(tmp_path / "rename.csv", [("compound", "梅园新村（一期）", "梅园社区", "MY01")])
    report = import_org(tree, path)
    assert (report.created, report.updated) == (0, 1)
    with tree.session() as session:
        assert find_unit(session, "MY01").name == "梅园新村（一期）"


def test_gbk_csv(db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("层级,名称,上级,编码\n区,宣州区,,341802\n".encode("gbk"))
    assert import_org(db, path).created == 1


def test_find_unit_subtree_and_within(tree):
    with tree.session() as session:
        community = find_unit(session, "梅园社区")
        compound = find_unit(session, "MY01")
        other = find_unit(session, "敬亭苑")
        assert find_unit(session, str(community.id)) is community
        assert find_unit(session, "梅园新村/1栋").code == "MY01-1"
        assert find_unit(session, "没有这个") is None
        with pytest.raises(AmbiguousUnit) as caught:
            find_unit(session, "1栋")
        assert len(caught.value.candidates) == 6
        ids = subtree_ids(session, compound)
        assert len(ids) == 1 + 4 + 3 and compound.id in ids
        assert len(subtree_ids(session, community)) == 1 + 3 + 10 + 4
        assert is_within(session, find_unit(session, "MY01-1"), compound)
        assert is_within(session, compound, compound)
        assert not is_within(session, other, compound)
        assert not is_within(session, compound, find_unit(session, "MY01-1"))


def test_add_unit_enforces_levels(db):
    with db.session() as session:
        district = add_unit(session, "宣州区", "district")
        with pytest.raises(ValueError):
            add_unit(session, "某小区", "compound", district)
        with pytest.raises(ValueError):
            add_unit(session, "另一个区", "district", district)
        with pytest.raises(ValueError):
            add_unit(session, "无上级街道", "street")
        street = add_unit(session, "澄江街道", "street", district)
        assert street.path == f"/{district.id}/{street.id}/"


def test_the_exported_workbook_is_fit_to_hand_over_and_imports_again(tree, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "tree.xlsx"
    assert export_org(tree, out, ZoneInfo("Asia/Shanghai")) == 35
    ws = load_workbook(out).active
    assert ws.title == "组织架构" and "组织架构" in ws["A1"].value and "生成于" in ws["A1"].value
    assert [c.value for c in ws[2]] == ["层级", "名称", "上级", "编码"] and ws["A2"].font.bold
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:D37" and ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert [c.value for c in ws[3]] == ["区（县）", "宣州区", None, "341802"]  # codes stay text
    assert ws.column_dimensions["B"].width == 24
    report = import_org(tree, out)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 35)
