"""党员报到 (clause 5): deadline arithmetic in Asia/Shanghai, validation, who may confirm, rosters, flow-ins,
late check-ins, the report by compound and work unit, the XLSX list per work unit and reminders (SQLite and
PostgreSQL)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from assistant.errors import DomainError, Invalid, InvalidTransition, NotAllowed
from assistant.messages import CATALOGUE
from assistant.org.people import bind_role, create_person
from assistant.party.checkin_report import export_work_unit_xlsx, report, to_notify_by_work_unit
from assistant.party.checkins import (
    CheckinForm,
    Lateness,
    add_months,
    deadline_for,
    current_checkin,
    decide,
    flow_in_person,
    lateness,
    mark_reminded,
    register_flow_in,
    roster,
    sent_back,
    start_checkin,
    submit_checkin,
    unfinished,
)
from assistant.policy.loader import load_party_policy
from tests.helpers.world import recorded_long_ago
from assistant.storage.models import CASE_STATUSES, CHECKIN_STATUSES, OrgUnit

from ..helpers.world import T0

SHANGHAI = timezone(timedelta(hours=8))
PARTY = Path(__file__).resolve().parents[2] / "assistant" / "party"

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


@pytest.mark.parametrize("known_since, due", [
    (datetime(2019, 5, 1, tzinfo=SHANGHAI), date(2020, 6, 30)),    # known before the initial deadline: bound by it
    (datetime(2020, 6, 20, tzinfo=SHANGHAI), date(2020, 6, 30)),   # known a month before it: still the initial one
    (datetime(2026, 10, 31, tzinfo=SHANGHAI), date(2026, 11, 30)),  # recorded in 2026: a month from being recorded
    (None, date(2020, 6, 30)),
])
def test_deadline_of_members_recorded_after_the_initial_one(party, known_since, due):
    assert deadline_for(party, True, None, known_since) == due
    assert deadline_for(party, False, None, known_since) is None  # not in service: no deadline without a move
    assert deadline_for(party, True, date(2026, 11, 5), known_since) == date(2026, 12, 5)  # a move still decides


def test_lateness_of_a_member_recorded_after_the_initial_deadline(party):
    """A member first recorded on 31 October 2026 who reports on 20 December is 20 days late by the one-month
    rule, not some 2,300 days late by the directive's 2020 deadline; reporting within the month is on time."""
    recorded = datetime(2026, 10, 31, 9, 0, tzinfo=SHANGHAI)
    late = lateness(party, True, None, datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI), known_since=recorded)
    assert late == Lateness(date(2026, 11, 30), 20, "joined", 1)
    assert "登记后 1 个月内（2026-11-30 前）报到，已逾期 20 天" in late.text()
    assert "(by 2026-11-30), 20 days late" in late.text("en")
    assert lateness(party, True, None, datetime(2026, 11, 29, tzinfo=SHANGHAI), known_since=recorded) is None
    old = lateness(party, True, None, datetime(2026, 11, 20, tzinfo=SHANGHAI),
                   known_since=datetime(2019, 1, 1, tzinfo=SHANGHAI))
    assert old.rule == "initial" and old.deadline == date(2020, 6, 30)


def test_report_counts_a_newly_recorded_member_not_overdue_yet(world, party):
    with world.db.session() as s:
        fresh = create_person(s, "新党员", party_member=True, work_unit="市教育局")
        bind_role(s, fresh, "resident", s.get(OrgUnit, world.units["1单元102室"]))
        recorded = fresh.created_at.astimezone(SHANGHAI).date()
        soon = report(s, party, world.units["341802001001"], recorded + timedelta(days=5))
        assert {r.name: r.status for r in soon.rows}["新党员"] == "not_due"
        later = report(s, party, world.units["341802001001"], add_months(recorded, 1) + timedelta(days=3))
        row = {r.name: r for r in later.rows}["新党员"]
        assert (row.status, row.days_late) == ("overdue", 3)


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
        recorded_long_ago(s)
        result = report(s, party, world.units["341802001001"], date(2026, 11, 26))
        assert result.by_compound == {"梅园新村": {"confirmed": 1, "pending": 0, "overdue": 1, "late": 1},
                                      "锦绣华庭": {"confirmed": 0, "pending": 1, "overdue": 0, "late": 1}}
        assert result.by_work_unit == {"市住建局": {"confirmed": 1, "pending": 0, "overdue": 0, "late": 1},
                                       "市教育局": {"confirmed": 0, "pending": 1, "overdue": 1, "late": 1}}
        early = report(s, party, world.units["341802001001"], date(2020, 6, 30))
        assert {r.name: r.status for r in early.rows}["未报到"] == "not_due"
        overdue = to_notify_by_work_unit(s, party, world.units["341802001001"], date(2026, 11, 26))
        # in service, no move: due by the initial deadline (2020-06-30), so the two check-ins of 2026 are late too
        assert list(overdue) == ["市住建局", "市教育局"]
        assert [r.name for r in overdue["市教育局"]] == ["未报到", "待确认"]
        with pytest.raises(Invalid):
            report(s, party, world.units["MY01-1"], date(2026, 11, 26))
    path = export_work_unit_xlsx(tmp_path / "overdue.xlsx", overdue["市教育局"], SHANGHAI,
                                 now=datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "逾期报到和逾期未报到党员 · 市教育局 · 生成于 2026-11-26 10:00"
    assert rows[1] == ("姓名", "电话", "工作单位", "单位党组织", "单位党组织联系人", "居住小区", "楼栋", "情况", "报到期限",
                       "报到日期", "逾期天数")
    days = (date(2026, 11, 26) - date(2020, 6, 30)).days
    assert rows[2] == ("未报到", "139****2222", "市教育局", None, None, "梅园新村", None, "逾期未报到",
                       datetime(2020, 6, 30), None, days)
    assert rows[3] == ("待确认", "138****0001", "市教育局", "市住建局机关党委", "05631234567", "锦绣华庭", None,
                       "逾期报到", datetime(2020, 6, 30), datetime(2026, 11, 26), days)
    assert sheet["A1"].font.bold and sheet["A2"].font.bold and sheet["K2"].font.bold and sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:K4" and sheet["I3"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["C"].width == 20 and sheet.column_dimensions["I"].width == 12
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"


def moved_member(world, party, s, name, moved_on, submitted_at, **overrides):
    """A member who moved on `moved_on` and submitted a check-in at `submitted_at` (pending)."""
    person = create_person(s, name)
    started = start_checkin(s, person.id, now=submitted_at)
    return submit_checkin(s, party, started.id, form(world, moved=True, moved_on=moved_on, **overrides),
                          now=submitted_at)


def test_a_late_check_in_is_flagged_with_days_and_the_work_unit(world, party, tmp_path):
    """Moved on 3 October, reported on 20 November: the rule is one month (the policy's move_months)."""
    reported = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    with world.db.session() as s:
        late = moved_member(world, party, s, "晚报到", date(2026, 10, 3), reported, work_unit="市教育局",
                            work_unit_party_org="市教育局机关党委")
        on_time = moved_member(world, party, s, "按时报到", date(2026, 10, 25), reported)
        decide(s, late.id, world.secretary, True, now=T0)
        assert late.lateness(party) == Lateness(date(2026, 11, 3), 17, "move", 1)
        assert on_time.lateness(party) is None
        assert late.lateness(party).text() == "逾期报到：搬家后应在 1 个月内（2026-11-03 前）报到，已逾期 17 天"
        assert "1 month(s) of the move (by 2026-11-03), 17 days late" in late.lateness(party).text("en")
        result = report(s, party, world.units["MY01"], date(2026, 11, 26))
        rows = {r.name: r for r in result.rows}
        assert (rows["晚报到"].status, rows["晚报到"].late, rows["晚报到"].days_late) == ("confirmed", True, 17)
        assert rows["晚报到"].submitted_on == date(2026, 11, 20) and not rows["按时报到"].late
        assert result.by_compound["梅园新村"] == {"confirmed": 1, "pending": 1, "overdue": 0, "late": 1}
        assert [r.name for r in result.late] == ["晚报到"]
        listed = to_notify_by_work_unit(s, party, world.units["MY01"], date(2026, 11, 26))
        assert {unit: [r.name for r in rows] for unit, rows in listed.items()} == {"市教育局": ["晚报到"]}
    path = export_work_unit_xlsx(tmp_path / "late.xlsx", listed["市教育局"], SHANGHAI, "en")
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("Late and overdue check-ins · 市教育局 · generated ")
    assert rows[1][4] == "Party organisation contact" and rows[1][-3:] == ("Deadline", "Checked in on", "Days late")
    assert rows[2] == ("晚报到", "138****0001", "市教育局", "市教育局机关党委", "05631234567", "梅园新村", "1栋",
                       "checked in late", datetime(2026, 11, 3), datetime(2026, 11, 20), 17)


def test_the_late_rule_comes_from_the_policy_file(party, tmp_path):
    """move_months from party.yaml: two months make the same check-in on time; a flow-in is never late."""
    text = (PARTY.parents[0] / "policy" / "party.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "party.yaml"
    changed.write_text(text.replace("move_months: 1", "move_months: 2"), encoding="utf-8")
    two_months = load_party_policy(changed)
    reported = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    assert lateness(party, False, date(2026, 10, 3), reported).days == 17
    assert lateness(two_months, False, date(2026, 10, 3), reported) is None
    assert lateness(two_months, False, date(2026, 9, 3), reported) == Lateness(date(2026, 11, 3), 17, "move", 2)
    assert "2 个月内" in lateness(two_months, False, date(2026, 9, 3), reported).text()
    assert lateness(party, True, date(2026, 10, 3), reported, flow_in=True) is None
    # no move: an in-service member's deadline is the initial one
    initial = lateness(party, True, None, reported)
    assert (initial.rule, initial.deadline) == ("initial", date(2020, 6, 30))
    assert initial.text("en").startswith("Late check-in: in-service members were due by 2020-06-30")


def test_a_sent_back_check_in_prefills_the_next(world, party):
    with world.db.session() as s:
        assert sent_back(s, world.neighbour) is None
        first = start_checkin(s, world.neighbour, now=T0)
        submitted = form(world, moved=True, moved_on=date(2026, 10, 3), probationary=True,
                         work_unit_contact="05631234567")
        submit_checkin(s, party, first.id, submitted, now=T0)
        assert sent_back(s, world.neighbour) is None  # pending
        decide(s, first.id, world.secretary, False, "楼栋不对", now=T0)
        start_checkin(s, world.neighbour, now=T0)  # the new, unfinished check-in does not hide the rejection
        earlier, view = sent_back(s, world.neighbour)
        assert earlier == submitted and (view.reject_reason, view.compound_name) == ("楼栋不对", "梅园新村")


def test_status_refusals_name_the_status_not_its_id(world, party):
    with world.db.session() as s:
        c = start_checkin(s, world.neighbour, now=T0)
        submit_checkin(s, party, c.id, form(world), now=T0)
        with pytest.raises(InvalidTransition) as error:
            submit_checkin(s, party, c.id, form(world), now=T0)
        assert "（当前：待确认）" in error.value.message() and "(waiting for confirmation)" in error.value.message("en")
        decide(s, c.id, world.secretary, True, now=T0)
        with pytest.raises(InvalidTransition) as error:
            decide(s, c.id, world.secretary, True, now=T0)
        assert "（当前：已报到）" in error.value.message() and "confirmed" not in error.value.message()


def test_reminders_for_unfinished(world, party):
    with world.db.session() as s:
        c = start_checkin(s, world.neighbour, now=T0)
        assert unfinished(s, T0 - timedelta(hours=1)) == []
        due = T0 + party.reminder_delay
        assert [v.id for v in unfinished(s, due)] == [c.id]
        mark_reminded(s, [c.id], now=due)
        assert unfinished(s, due + timedelta(days=1)) == []


def test_catalogue_has_every_key():
    """Every key the party domains, the party conversations and the digest name, and those they compose."""
    from assistant.handlers.party.checkin import EDITABLE

    domain = re.compile(r'"((?:checkin|points|case|committee)\.[a-z_.]+)"')
    front = re.compile(r'"((?:checkin|checkinform|checkinreport|pointsbot|casebot|flowin|date|digest)\.[a-z_.]+)"')
    used = {key for path in PARTY.glob("*.py") for key in domain.findall(path.read_text())}
    handlers = PARTY.parents[0] / "handlers"
    fronts = [handlers / "common.py", *(handlers / "party").glob("*.py"), *(PARTY.parents[0] / "digest").glob("*.py")]
    used |= {key for path in fronts for key in front.findall(path.read_text())}
    assert {"date.no_such_day", "checkinform.resume", "digest.checkins.late_reports"} <= used
    used |= {f"checkin.status.{s}" for s in (*CHECKIN_STATUSES, "overdue", "not_due", "late")}
    used |= {f"checkin.late.{rule}" for rule in ("move", "initial")}
    used |= {f"checkinform.{step[3:]}" for step in EDITABLE} | {f"checkinform.field.{s[3:]}" for s in EDITABLE}
    used |= {f"checkin.xlsx.{c}" for c in ("name", "phone", "work_unit", "party_org", "contact", "compound",
                                           "building", "status", "deadline", "submitted", "days_late")}
    used |= {f"case.status.{s}" for s in CASE_STATUSES}
    assert used - set(CATALOGUE) == set()
    assert all(CATALOGUE[k]["zh"] and CATALOGUE[k]["en"] for k in used)
