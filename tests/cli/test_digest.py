"""`assistant digest` through typer's CliRunner on the example tree (SQLite, PostgreSQL): text, PNG, XLSX."""
from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import _common as cli_common
from assistant.needs.filing import NeedDraft, file_need
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.policy import load_needs_policy

from . import bad_choice


def test_digest_prints_and_writes_png_and_xlsx(cfg, tree, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_common, "get_settings", lambda: cfg)
    with tree.session() as s:
        leader = create_person(s, "一栋楼长", "13900000003")
        bind_role(s, leader, "building_leader", find_unit(s, "MY01-1"))
        compound, building = find_unit(s, "MY01"), find_unit(s, "MY01-1")
        for text in ("1栋电梯坏了，有老人困在里面", "1栋电梯又停了，请尽快派人修理"):
            file_need(s, load_needs_policy(), leader.id, NeedDraft(
                compound_id=compound.id, building_id=building.id, category="elevator", description=text,
                urgency="normal", resident_name=None, resident_phone=None, consent=False, photo_file_id=None))
    run = lambda *args: CliRunner().invoke(cli.app, [str(a) for a in args])
    png, xlsx = tmp_path / "d.png", tmp_path / "d.xlsx"
    result = run("digest", "--unit", "梅园社区", "--period", "week", "--png", png, "--xlsx", xlsx)
    assert result.exit_code == 0, result.output
    assert "梅园社区 工作简报" in result.output and "新增 2" in result.output and "本期突出问题" in result.output
    assert Image.open(io.BytesIO(png.read_bytes())).format == "PNG"
    rows = list(load_workbook(xlsx, read_only=True)["诉求"].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[2][1] == "电梯" and "诉求清单" in rows[0][0]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    ranged = run("digest", "--unit", "梅园社区", "--from", today, "--to", today)
    assert ranged.exit_code == 0 and f"{today} 至 {today}" in ranged.output and "新增 2" in ranged.output
    backwards = run("digest", "--unit", "梅园社区", "--from", "2026-11-30", "--to", "2026-11-01")
    assert backwards.exit_code == 2 and "早于" in backwards.output
    quiet = run("digest", "--unit", "敬亭社区", "--period", "today", "--lang", "en")
    assert quiet.exit_code == 0 and len(quiet.output.strip().splitlines()) == 2 and "quiet" in quiet.output
    bad = run("digest", "--unit", "梅园社区", "--period", "decade")
    bad_choice(bad.exit_code, bad.output, "decade")
    near = run("digest", "--unit", "梅园社区", "--period", "weak")
    bad_choice(near.exit_code, near.output, "weak", "week")
    french = run("digest", "--unit", "梅园社区", "--lang", "fr")
    bad_choice(french.exit_code, french.output, "fr")
    as_json = run("digest", "--unit", "梅园社区", "--period", "本周", "--json", "--png", png)
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == 0 and data["period"]["key"] == "week" and data["breadcrumb"].endswith("梅园社区")
    needs = next(s["data"] for s in data["sections"] if s["name"] == "needs")
    assert needs["totals"]["new"] == 2 and datetime.fromisoformat(data["now"]).utcoffset() is not None
    assert str(png) in as_json.stderr  # stdout is the JSON alone
    building_level = run("digest", "--unit", "MY01-1")
    assert building_level.exit_code == 1
