"""党员报到 (clause 5): deadline arithmetic in Asia/Shanghai, validation, who may confirm, rosters, flow-ins,
the report by compound and work unit, the XLSX overdue list and reminders (SQLite and PostgreSQL)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assistant.errors import DomainError, Invalid, NotAllowed
from assistant.messages import CATALOGUE
from assistant.org.people import bind_role, create_person
from assistant.party.checkins import (
    CheckinForm,
    add_months,
    deadline_for,
    current_checkin,
    decide,
    export_overdue_xlsx,
    flow_in_person,
    mark_reminded,
    overdue_by_work_unit,
    register_flow_in,
    report,
    roster,
    start_checkin,
    submit_checkin,
    unfinished,
)
from assistant.policy.loader import load_party_policy
from assistant.storage.models import CASE_STATUSES, CHECKIN_STATUSES, OrgUnit

from ..helpers.world import T0

SHANGHAI = timezone(timedelta(hours=8))
PARTY = Path(__file__).resolve().parents[2] / "assistant" / "party"


@pytest.fixture(scope="module")
def party():
    return load_party_policy()


def form(world, **overrides) -> CheckinForm:
    fields = dict(work_unit="宣城市住建局", work_unit_party_org="市住建局机关党委", compound_id=world.units["MY01"],
                  building_id=world.units["MY01-1"], phone="13800000001", work_unit_contact="0563-1234567")
    fields.update(overrides)
    return CheckinForm(**fields)


def member(world, party, s, name, compound="MY01", building="MY01-1", confirm_by=None, **overrides) -> int:
    """A person with a confirmed check-in (confirmed by the compound's secretary unless told)."""
    person = create_person(s, name, overrides.pop("phone", None))
    started = start_checkin(s, person.id, now=T0)
    submit_checkin(s, party, started.id, form(world, compound_id=world.units[compound],
                                              building_id=world.units[building] if building else None,
                                              **overrides), now=T0)
    decide(s, started.id, confirm_by or world.secretary if compound == "MY01" else confirm_by, True, now=T0)
    return person.id


@pytest.mark.parametrize("moved_on, in_service, due", [
    (date(2024, 1, 31), False, date(2024, 2, 29)),          # leap year
    (date(2023, 1, 31), False, date(2023, 2, 28)),
    (date(2024, 12, 31), False, date(2025, 1, 31)),         # across the year
    (date(2024, 3, 31), True, date(2024, 4, 30)),
    (date(2020, 5, 20), True, date(2020, 6, 30)),           # a move before the initial deadline
    (None, True, date(2020, 6, 30)),
    (None, False, None),
    (datetime(2024, 1, 31, 23, 30, tzinfo=SHANGHAI), True, date(2024, 2, 29)),   # still the 31st in Shanghai
    (datetime(2024, 1, 31, 16, 30, tzinfo=timezone.utc), True, date(2024, 3, 1)),  # already 1 Feb in Shanghai
])
def test_deadline_arithmetic(party, moved_on, in_service, due):
    assert deadline_for(party, in_service, moved_on) == due


def test_add_months_clips_to_month_end():
    assert add_months(date(2023, 10, 31), 4) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_submit_validation(world, party):
    with world.db.session() as s:
        c = start_checkin(s, world.neighbour, now=T0)
        assert start_checkin(s, world.neighbour, now=T0).id == c.id  # resumes the unfinished one
        tomorrow = (T0.astimezone(SHANGHAI) + timedelta(days=1)).date()
        for overrides, field, key in [
            (dict(moved=True, moved_on=date(1921, 6, 30)), "moved_on", "checkin.err.too_early"),
            (dict(moved=True, moved_on=tomorrow), "moved_on", "checkin.err.future"),
            (dict(moved=True, moved_on=None), "moved_on", "checkin.err.moved_on_missing"),
            (dict(compound_id=999999), "compound_id", "checkin.err.compound"),
            (dict(compound_id=world.units["MY01-1"]), "compound_id", "checkin.err.compound"),
            (dict(building_id=world.units["MY02-1"]), "building_id", "checkin.err.building"),
            (dict(phone="12"), "phone", "checkin.err.phone"),
            (dict(work_unit=" "), "work_unit", "checkin.err.required"),
        ]:
            with pytest.raises(Invalid) as error:
                submit_checkin(s, party, c.id, form(world, **overrides), now=T0)
            assert (field, key) in error.value.errors and error.value.message("en")
        ok = submit_checkin(s, party, c.id, form(world, moved=True, moved_on=date(1921, 7, 1)), now=T0)
        assert ok.status == "pending" and ok.phone_masked == "138****0001"
        with pytest.raises(DomainError):
            submit_checkin(s, party, c.id, form(world), now=T0)


def test_only_this_compounds_branch_or_community_decides(world, party):
    with world.db.session() as s:
        c = start_checkin(s, world.neighbour, now=T0)
        submit_checkin(s, party, c.id, form(world), now=T0)
        for outsider in (world.other_secretary, world.leader, world.street, world.resident):
            with pytest.raises(NotAllowed):
                decide(s, c.id, outsider, True, now=T0)
        with pytest.raises(Invalid):
            decide(s, c.id, world.secretary, False, now=T0)
        view = decide(s, c.id, world.community, True, now=T0 + timedelta(hours=1))
        assert (view.status, view.decided_by) == ("confirmed", world.community)
        with pytest.raises(DomainError):
            decide(s, c.id, world.secretary, True, now=T0)
        assert [m.person_id for m in roster(s, world.units["MY01"])] == [world.neighbour]
        rejected = member_rejected(world, party, s)
        assert rejected.reject_reason == "不住本小区"


def member_rejected(world, party, s):
    person = create_person(s, "退回者")
    c = start_checkin(s, person.id, now=T0)
    submit_checkin(s, party, c.id, form(world), now=T0)
    return decide(s, c.id, world.member, False, "不住本小区", now=T0)


def test_flow_in_and_moves_in_the_roster(world, party):
    with world.db.session() as s:
        mover = member(world, party, s, "搬家党员")
        flow = create_person(s, "流入党员")
        with pytest.raises(NotAllowed):
            register_flow_in(s, world.secretary, flow.id, world.units["MY01"], now=T0)
        view = register_flow_in(s, world.community, flow.id, world.units["MY01"], world.units["MY01-2"], now=T0)
        assert view.flow_in and view.status == "confirmed"
        assert {m.person_id for m in roster(s, world.units["MY01"])} == {mover, flow.id}
        c = start_checkin(s, mover, now=T0 + timedelta(days=1))
        submit_checkin(s, party, c.id, form(world, compound_id=world.units["MY02"], building_id=None, moved=True,
                                           moved_on=date(2026, 11, 20)), now=T0 + timedelta(days=1))
        decide(s, c.id, world.other_secretary, True, now=T0 + timedelta(days=1))
        assert [m.person_id for m in roster(s, world.units["MY01"])] == [flow.id]
        assert [m.person_id for m in roster(s, world.units["MY02"])] == [mover]


def test_a_flow_in_by_phone_never_takes_over_someone_outside_the_community(world, party):
    """Issue 14, item 1: the phone of a member known outside the coordinator's subtree is no way to name or move
    them; a new person is registered instead, and registering the outsider's own id is refused."""
    phone = "13700000001"
    with world.db.session() as s:
        outsider = member(world, party, s, "外区党员王某", compound="JT01", building=None, confirm_by=world.admin,
                          phone=phone)
        person_id = flow_in_person(s, world.community, "李某", phone)
        assert person_id != outsider
        view = register_flow_in(s, world.community, person_id, world.units["MY01"], phone=phone, now=T0)
        assert view.person_name == "李某" and view.compound_id == world.units["MY01"]
        assert current_checkin(s, outsider).compound_id == world.units["JT01"]  # not moved
        with pytest.raises(NotAllowed):
            register_flow_in(s, world.community, outsider, world.units["MY01"], now=T0)
        bound_outside = create_person(s, "敬亭居民", "13700000002")
        bind_role(s, bound_outside, "resident", s.get(OrgUnit, world.units["JT01-1"]))
        assert flow_in_person(s, world.community, "某某", "137-0000-0002") != bound_outside.id
        nowhere = create_person(s, "无处可查", "13700000003")  # known nowhere: not shown to be inside
        assert flow_in_person(s, world.community, "某某", "13700000003") != nowhere.id
        assert flow_in_person(s, world.community, "某某", "13900000011") == world.neighbour
        assert flow_in_person(s, world.community, "李某", phone) == person_id  # the one registered here


def test_report_grouping_and_xlsx(world, party, tmp_path):
    with world.db.session() as s:
        member(world, party, s, "已报到", work_unit="市住建局")
        pending = create_person(s, "待确认")
        c = start_checkin(s, pending.id, now=T0)
        submit_checkin(s, party, c.id, form(world, work_unit="市教育局", compound_id=world.units["MY02"],
                                           building_id=None), now=T0)
        late = create_person(s, "未报到", "13911112222", party_member=True, work_unit="市教育局")
        bind_role(s, late, "resident", s.get(OrgUnit, world.units["1单元102室"]))
        outside = create_person(s, "敬亭未报到", party_member=True, work_unit="市教育局")
        bind_role(s, outside, "resident", s.get(OrgUnit, world.units["JT01-1"]))
        result = report(s, party, world.units["341802001001"], date(2026, 11, 26))
        assert result.by_compound == {"梅园新村": {"confirmed": 1, "pending": 0, "overdue": 1},
                                      "锦绣华庭": {"confirmed": 0, "pending": 1, "overdue": 0}}
        assert result.by_work_unit == {"市住建局": {"confirmed": 1, "pending": 0, "overdue": 0},
                                       "市教育局": {"confirmed": 0, "pending": 1, "overdue": 1}}
        early = report(s, party, world.units["341802001001"], date(2020, 6, 30))
        assert {r.name: r.status for r in early.rows}["未报到"] == "not_due"
        overdue = overdue_by_work_unit(s, party, world.units["341802001001"], date(2026, 11, 26))
        assert list(overdue) == ["市教育局"] and [r.name for r in overdue["市教育局"]] == ["未报到"]
        with pytest.raises(Invalid):
            report(s, party, world.units["MY01-1"], date(2026, 11, 26))
    path = export_overdue_xlsx(tmp_path / "overdue.xlsx", overdue["市教育局"])
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "电话", "工作单位")
    assert rows[1] == ("未报到", "139****2222", "市教育局", None, "梅园新村", None, "2020-06-30")  # "" reads as None


def test_reminders_for_unfinished(world, party):
    with world.db.session() as s:
        c = start_checkin(s, world.neighbour, now=T0)
        assert unfinished(s, T0 - timedelta(hours=1)) == []
        due = T0 + party.reminder_delay
        assert [v.id for v in unfinished(s, due)] == [c.id]
        mark_reminded(s, [c.id], now=due)
        assert unfinished(s, due + timedelta(days=1)) == []


def test_catalogue_has_every_key():
    pattern = re.compile(r'"((?:checkin|points|case|committee)\.[a-z_.]+)"')
    files = list(PARTY.glob("*.py"))
    used = {key for path in files for key in pattern.findall(path.read_text())}
    used |= {f"checkin.status.{s}" for s in (*CHECKIN_STATUSES, "overdue", "not_due")}
    used |= {f"case.status.{s}" for s in CASE_STATUSES}
    assert used - set(CATALOGUE) == set()
    assert all(CATALOGUE[k]["zh"] and CATALOGUE[k]["en"] for k in used)
