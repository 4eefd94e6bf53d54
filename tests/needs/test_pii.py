"""Phone and ID-card numbers typed into a need's text (issue 14, item 2): found at intake, kept only with the
resident's consent, and masked wherever the resident's own phone is masked (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import load_workbook

from assistant.needs import pii
from assistant.needs.filing import file_need, join_need
from assistant.needs.freetext import prefill
from assistant.needs.handling import accept, hand_back, post_progress
from assistant.needs.queries import detail, mine, need_notice, todo
from assistant.storage.models import Need, NeedEvent

from ..helpers.world import T0, draft

H = timedelta(hours=1)
ID18, ID15 = "34180219900307123X", "341802900307123"
TEXT = f"住户李四电话13812345678，身份证{ID18}，老身份证{ID15}，固话0563-2345678，3号楼漏水"


@pytest.mark.parametrize("text, kinds, masked", [
    ("电话13812345678。", ["mobile"], "电话138****5678。"),
    ("电话 138-1234-5678 或 138 1234 5678", ["mobile", "mobile"], "电话 138****5678 或 138****5678"),
    ("+86 13812345678 / 8613912345678", ["mobile", "mobile"], "138****5678 / 139****5678"),
    ("１３８１２３４５６７８", ["mobile"], "138****5678"),  # full-width digits
    ("0563-2345678、（0563）2345678、010 12345678", ["landline"] * 3, "056****5678、056****5678、010****5678"),
    (f"身份证{ID18.lower()}号", ["id"], "身份证3****************X号"),
    ("身份证34180219900307123Y", [], "身份证34180219900307123Y"),  # no check character: not an ID
    (f"旧证{ID15}", ["id"], "旧证3*************3"),
    ("34180219901307123X", [], "34180219901307123X"),  # month 13: not a birth date
    ("订单号 20261126000000123456、XQ-20261126-0007、1单元101室、12345678", [], None),  # not numbers of a person
    ("138****5678", [], None),  # already masked: masking twice changes nothing
])
def test_numbers_found_and_masked(text, kinds, masked):
    assert [n.kind for n in pii.find(text)] == kinds
    assert pii.mask(text) == (text if masked is None else masked)
    assert pii.mask(pii.mask(text)) == pii.mask(text)


def test_phones_in_order_each_once_and_the_prefill_offers_the_first():
    assert pii.phones(TEXT + " 再打13812345678") == ["13812345678", "05632345678"]
    assert pii.phones(f"身份证{ID18}") == []


def test_prefill_offers_a_landline_too(policy):
    assert prefill("3号楼漏水，电话0563-2345678", policy).phone == "05632345678"


def file(world, policy, consent, **overrides):
    with world.db.session() as s:
        return file_need(s, policy, world.resident, draft(world, description=TEXT, consent=consent, **overrides),
                         now=T0)


def stored(world, need_id) -> str:
    with world.db.session() as s:
        return s.get(Need, need_id).description


def test_without_consent_the_numbers_are_stored_masked(world, policy):
    need = file(world, policy, consent=False)
    kept = stored(world, need.id)
    assert pii.find(kept) == [] and "138****5678" in kept and "3号楼漏水" in kept
    with world.db.session() as s:
        for viewer in (world.resident, world.liaison, world.admin, world.community):
            assert detail(s, need.id, viewer).description == kept  # nobody can get them back


def test_with_consent_only_the_submitter_assignees_and_admins_see_them(world, policy):
    need = file(world, policy, consent=True)
    assert stored(world, need.id) == TEXT
    with world.db.session() as s:
        for viewer in (world.resident, world.liaison, world.admin):  # submitter, assignee, admin
            assert detail(s, need.id, viewer).description == TEXT
        for viewer in (world.secretary, world.member, world.leader, world.community):  # not handling it
            shown = detail(s, need.id, viewer)
            assert shown.description == pii.mask(TEXT) and shown.resident_phone == "138****5678"
        # lists and notifications are masked for everyone, the submitter included
        assert mine(s, world.resident)[0].description == pii.mask(TEXT)
        assert todo(s, world.liaison)[0].description == pii.mask(TEXT)
        assert need_notice(s, need.id, "filed", world.resident).view.description == pii.mask(TEXT)
        hand_back(s, need.id, world.liaison, "不归物业管", now=T0 + H, policy=policy)
        assert detail(s, need.id, world.liaison).description == pii.mask(TEXT)  # no longer an assignee


def test_notes_and_joined_reports(world, policy):
    need = file(world, policy, consent=True)
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0 + H)
        post_progress(s, need.id, world.liaison, "已联系住户 13812345678", now=T0 + 2 * H)
        join_need(s, need.id, world.neighbour, "我家也漏水，电话13912345678", now=T0 + 2 * H, policy=policy)
        joined = s.query(NeedEvent).filter_by(need_id=need.id, kind="joined").one().note
        assert joined == "我家也漏水，电话139****5678"  # a joined report keeps no contact details
        notes = {v: [e.note for e in detail(s, need.id, v).events if e.kind == "progress"]
                 for v in (world.resident, world.community)}
    assert notes == {world.resident: ["已联系住户 13812345678"], world.community: ["已联系住户 138****5678"]}


def test_the_export_masks_descriptions_and_notes(world, policy, tmp_path):
    from assistant.digest.export import export_needs_xlsx

    need = file(world, policy, consent=True)
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0 + H)
        post_progress(s, need.id, world.liaison, f"核对身份证{ID18}", now=T0 + 2 * H)
        path, n, _ = export_needs_xlsx(s, world.units["341802001001"], "today", T0 + 3 * H, policy, tmp_path / "x.xlsx")
    cells = [str(c) for sheet in load_workbook(path) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert n == 1 and any("3号楼漏水" in c for c in cells) and any("核对身份证" in c for c in cells)
    assert not any(pii.find(c) for c in cells)
