"""Digests: each rate on hand-computed fixtures, counts by category and sub-unit, the hotspot, scope, periods,
quiet units and splitting — on SQLite and PostgreSQL (the `world` fixture)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from assistant.digest import build as digest_build
from assistant.digest import context as digest
from assistant.errors import Invalid
from assistant.llm.narrative import narrator
from assistant.needs.freetext import load_rules
from assistant.policies import Policies
from assistant.policy.loader import load_party_policy
from assistant.textlimits import split, utf16_len
from assistant.policy.rubric import load_rubric
from assistant.storage.models import Escalation, Need, ReturnVisit

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # Thursday 14:00 in Shanghai
TODAY0 = datetime(2026, 11, 26, 0, 0, tzinfo=SH)
_seq = count(1)
CODES = {"宣州区": "341802", "澄江街道": "341802001", "梅园社区": "341802001001", "敬亭社区": "341802001002"}


def uid(world, name: str) -> int:
    return world.units[CODES.get(name, name)]


def add_need(s, world, *, compound="MY01", building="MY01-1", category="elevator", created, status="new",
             accept_due=None, accepted=None, resolve_due=None, resolved=None, level=None):
    """A need row with exactly these times (hours relative to today's local midnight when given as numbers)."""
    at = lambda h: None if h is None else TODAY0 + timedelta(hours=h)
    need = Need(ticket=f"T-{next(_seq)}", compound_id=uid(world, compound),
                building_id=uid(world, building) if building else None,
                level_unit_id=uid(world, level or compound), category=category, description="d", urgency="normal",
                status=status, submitter_id=world.resident, created_at=at(created),
                accept_due_at=at(accept_due if accept_due is not None else created + 4),
                resolve_due_at=at(resolve_due if resolve_due is not None else created + 48),
                accepted_at=at(accepted), resolved_at=at(resolved))
    s.add(need)
    s.flush()
    return need


def policies(policy, **changes) -> Policies:
    return Policies(needs=policy, party=load_party_policy(), rubric=load_rubric(), intake=load_rules()).but(**changes)


def build(world, policy, unit, period="today", now=NOW, **kw):
    with world.db.session() as s:
        return digest_build.build(s, uid(world, unit), period, now, policies(policy), **kw)


def test_rates_and_counts_on_hand_computed_fixtures(world, policy):
    with world.db.session() as s:
        # accept deadlines today before 14:00: a (on time), b (late), c (never) -> 响应率 1/3
        a = add_need(s, world, created=1, accept_due=5, accepted=3, status="resolved", resolve_due=10, resolved=9)
        add_need(s, world, created=2, accept_due=6, accepted=7, status="accepted", resolve_due=12)
        add_need(s, world, created=3, accept_due=7, status="new")
        # accept deadline later today (after now): not in any denominator yet
        add_need(s, world, created=9, accept_due=16, status="new", resolve_due=30)
        # yesterday's need whose resolve deadline fell today: resolved late -> 按期办结率 1/3 with a and b
        add_need(s, world, created=-20, accept_due=-18, accepted=-19, status="resolved", resolve_due=11, resolved=12,
                 compound="MY02", building="MY02-1", category="property")
        # visits today: solved twice, not solved once -> 解决率 2/3; satisfied + basically -> 满意率 2/3
        s.add_all([ReturnVisit(need_id=a.id, contacted=True, solved=v != "unsatisfied", satisfaction=v,
                               at=TODAY0 + timedelta(hours=h)) for v, h in
                   (("satisfied", 10), ("basically", 11), ("unsatisfied", 12), ("satisfied", -30))])
    d = build(world, policy, "梅园社区")
    rates = d.section("rates")
    assert (rates["response"].num, rates["response"].den) == (1, 3)
    assert (rates["resolution"].num, rates["resolution"].den) == (2, 3)
    assert (rates["on_time"].num, rates["on_time"].den) == (1, 3)  # a on time; b due 12:00 not resolved; MY02 late
    assert (rates["satisfaction"].num, rates["satisfaction"].den) == (2, 3)
    needs = d.section("needs")
    t = needs.totals
    # new today: 4 (the MY02 one was filed yesterday); accepted today: a, b; resolved today: a, MY02
    assert (t.new, t.accepted, t.resolved) == (4, 2, 2)
    # open: b (accepted, resolve due 12:00 < 14:00 -> overdue), c (new, accept due 07:00 -> overdue), the 09:00 one
    assert (t.open, t.overdue) == (3, 2)
    by_sub = {r.key: r.counts for r in needs.by_sub_unit}
    assert by_sub["梅园新村"].new == 4 and by_sub["锦绣华庭"].resolved == 1 and "阳光花园" not in by_sub
    assert {r.key: r.counts.new for r in needs.by_category} == {"elevator": 4, "property": 0}
    assert dict(d.per_day) == {TODAY0.date(): 4}
    assert d.by_category == (("elevator", 4),)
    hot = d.section("hotspot")
    assert hot == {"category": "elevator", "compound": "梅园新村", "building": "1栋", "count": 4}
    text = digest_build.render(d, "zh", policy)
    assert "响应率 33.3%（1/3）" in text and "满意率 66.7%（2/3）" in text and "【本期突出问题】电梯 · 梅园新村 1栋" in text
    english = digest_build.render(d, "en", policy)
    assert "：" not in english and "at 1栋, 梅园新村" in english
    assert "解决率 66.7%（2/3）" in text and "按期办结率 33.3%（1/3）" in text


def test_rates_ranked_per_sub_unit_and_resolved_per_day(world, policy):
    with world.db.session() as s:
        # 梅园社区: both accepted on time -> 100%; 敬亭社区: one of two on time -> 50%
        add_need(s, world, created=1, accept_due=5, accepted=2, status="resolved", resolved=3)
        add_need(s, world, created=1, accept_due=5, accepted=4, status="accepted")
        add_need(s, world, compound="JT01", building=None, created=1, accept_due=5, accepted=3, status="accepted")
        add_need(s, world, compound="JT01", building=None, created=1, accept_due=5)
    street = build(world, policy, "澄江街道")
    ranked = street.section("rates_ranked")
    assert [(unit, rates["response"].num, rates["response"].den, score) for unit, rates, score in ranked] == [
        ("梅园社区", 2, 2, 100.0), ("敬亭社区", 1, 2, 50.0)]
    assert dict(street.resolved_per_day) == {TODAY0.date(): 1}
    text = digest_build.render(street, "zh", policy)
    assert "【三率排名】" in text and "1. 梅园社区 100.0 分：响应率 100.0%（2/2）" in text and "2. 敬亭社区 50.0 分" in text
    assert "1. 梅园社区 100.0: response 100.0% (2/2)" in digest_build.render(street, "en", policy)
    assert build(world, policy, "梅园社区").section("rates_ranked") is None  # one sub-unit with anything due: no ranking
    assert build(world, policy, "MY01").section("rates_ranked") is None  # a compound's buildings are not ranked


def test_scope_a_community_never_sees_another(world, policy):
    with world.db.session() as s:
        add_need(s, world, compound="JT01", building=None, created=1, category="property")
        add_need(s, world, compound="JT01", building=None, created=2, category="property")
        s.add(Escalation(need_id=add_need(s, world, compound="JT02", building=None, created=1).id,
                         deadline_kind="accept", deadline_at=TODAY0 + timedelta(hours=5),
                         from_unit_id=world.units["JT02"], to_unit_id=uid(world, "敬亭社区"),
                         at=TODAY0 + timedelta(hours=6)))
    mine = build(world, policy, "梅园社区")
    assert mine.sections == () and mine.section("needs") is None
    text = digest_build.render(mine, "zh", policy)
    assert len(text.splitlines()) == 2 and "本期平稳" in text
    other = build(world, policy, "敬亭社区")
    assert other.section("needs").totals.new == 3
    assert other.section("escalations") == {"total": 1, "waiting": (("书香门第", 1),)}
    assert other.section("hotspot")["compound"] == "敬亭苑" and other.section("hotspot")["building"] is None
    street = build(world, policy, "澄江街道")
    assert [r.key for r in street.section("needs").by_sub_unit] == ["敬亭社区"]
    compound = build(world, policy, "JT01")
    assert compound.section("needs").totals.new == 2


def test_periods(world, policy):
    zone = policy.zone
    week = digest.period_bounds("last7", NOW, zone)
    assert week.start == TODAY0 - timedelta(days=6) and week.end == NOW and len(week.days) == 7
    this_week = digest.period_bounds("本周", NOW, zone)  # calendar: since Monday 11-23
    assert this_week.start.astimezone(SH) == datetime(2026, 11, 23, tzinfo=SH) and len(this_week.days) == 4
    last = digest.period_bounds("lastweek", NOW, zone)
    assert last.start.astimezone(SH) == datetime(2026, 11, 16, tzinfo=SH) and len(last.days) == 7
    assert last.end.astimezone(SH) == datetime(2026, 11, 23, tzinfo=SH)
    assert digest.period_bounds("yesterday", NOW, zone).days == ((TODAY0 - timedelta(days=1)).date(),)
    assert digest.parse_period("本周") == "week"
    with pytest.raises(Invalid) as err:
        digest.parse_period("decade")
    assert "decade" in err.value.message("en")
    with world.db.session() as s:
        add_need(s, world, created=-30, category="property")
        add_need(s, world, created=-100, category="property", status="closed")
    d = build(world, policy, "梅园社区", "last7")
    assert [n for _, n in d.per_day] == [0, 1, 0, 0, 1, 0, 0]  # 11-21 20:00 and 11-24 18:00
    with world.db.session() as s, pytest.raises(Invalid):
        digest.scope_of(s, world.units["MY01-1"])  # a building gets no digest


def test_calendar_periods_and_date_ranges(policy):
    zone, now = policy.zone, datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # Tuesday 15:00 in Shanghai
    local = lambda p: (p.start.astimezone(SH).date().isoformat(), (p.end - timedelta(microseconds=1)).astimezone(SH).date().isoformat())
    assert local(digest.period_bounds("本月", now, zone)) == ("2026-12-01", "2026-12-01")
    assert local(digest.period_bounds("上月", now, zone)) == ("2026-11-01", "2026-11-30")
    assert local(digest.period_bounds("lastmonth", datetime(2026, 3, 10, tzinfo=UTC), zone)) == ("2026-02-01", "2026-02-28")
    assert local(digest.period_bounds("本季度", now, zone)) == ("2026-10-01", "2026-12-01")
    assert local(digest.period_bounds("上周", now, zone)) == ("2026-11-23", "2026-11-29")
    assert local(digest.period_bounds("近30天", now, zone)) == ("2026-11-02", "2026-12-01")
    assert digest.parse_period("2026/11/1至2026/11/15") == "2026-11-01..2026-11-15"
    assert digest.parse_period("2026-11-01", "2026-11-30") == "2026-11-01..2026-11-30"
    ranged = digest.period_bounds("2026-11-01..2026-11-30", now, zone)
    assert local(ranged) == ("2026-11-01", "2026-11-30") and len(ranged.days) == 30
    assert ranged.label(zone, "zh") == "2026-11-01 至 2026-11-30" and ranged.label(zone, "en") == "2026-11-01 to 2026-11-30"
    for bad, key in (("2026-02-30..2026-03-01", "digest.err.range_no_day"), ("2026-11-30..2026-11-01", "digest.err.range_order"),
                     ("2020-01-01..2026-01-01", "digest.err.range_long"), ("2026-11-01..soon", "digest.err.range_day")):
        with pytest.raises(Invalid) as err:
            digest.parse_period(bad)
        assert err.value.key == key and err.value.message("en") and err.value.message("zh")


def test_digest_text_is_split_by_utf16_length_at_line_ends():
    text = "\n".join(f"第{i}行 📈" + "字" * 50 for i in range(300))
    chunks = split(text)
    assert len(chunks) > 1 and all(utf16_len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks) == text
    assert [len(c) for c in split("x" * 9000)] == [4096, 4096, 808]


def test_xlsx_export_has_the_scope_needs_and_history(world, policy, tmp_path):
    from openpyxl import load_workbook

    from assistant.digest.export import export_needs_xlsx
    from assistant.storage.models import NeedEvent, ReturnVisit

    at = lambda h: TODAY0 + timedelta(hours=h)
    with world.db.session() as s:
        mine = add_need(s, world, created=1, accepted=2, status="accepted")
        mine.entrance = 2
        s.add_all([NeedEvent(need_id=mine.id, kind="filed", actor_id=world.resident, at=at(1)),
                   NeedEvent(need_id=mine.id, kind="routed", note="物业服务中心", at=at(1)),
                   NeedEvent(need_id=mine.id, kind="escalated", data={"to_unit_name": "梅园社区"}, at=at(1.5)),
                   NeedEvent(need_id=mine.id, kind="accepted", actor_id=world.secretary, note="马上去", at=at(2)),
                   NeedEvent(need_id=mine.id, kind="visit", actor_id=world.resident, at=at(3),
                             data={"contacted": True, "solved": False, "satisfaction": "basically"})])
        s.add(ReturnVisit(need_id=mine.id, contacted=True, solved=False, satisfaction="basically", by_id=world.resident,
                          at=at(3)))
        add_need(s, world, compound="JT01", building=None, created=1)  # another community: not exported
        add_need(s, world, created=-50)  # before the period
        ticket = mine.ticket
    with world.db.session() as s:
        path, n, truncated = export_needs_xlsx(s, uid(world, "梅园社区"), "today", NOW, policy, tmp_path / "x.xlsx")
    assert (n, truncated) == (1, False)
    book = load_workbook(path)
    sheet = book["诉求"]
    needs, events = (list(book[name].iter_rows(values_only=True)) for name in ("诉求", "处理记录"))
    title = needs[0][0]
    assert "诉求清单" in title and "梅园社区" in title and "今天" in title and "生成于 2026-11-26 14:00" in title
    head = dict(zip(needs[1], needs[2]))
    assert needs[1][0] == "编号" and [r[0] for r in needs[2:]] == [ticket]
    assert (head["楼栋"], head["单元"]) == ("1栋", 2)
    assert head["类别"] == "电梯" and head["提交时间"] == datetime(2026, 11, 26, 1, 0)  # a real date, local time
    assert head["签收时间"] == datetime(2026, 11, 26, 2, 0) and "受理时间" not in head
    assert (head["上报次数"], head["已联系"], head["已解决"], head["满意度"]) == (1, "是", "否", "基本满意")
    assert head["回访时间"] == datetime(2026, 11, 26, 3, 0)
    assert [(r[0], r[2], r[3]) for r in events[2:]] == [
        (ticket, "登记", "张阿姨"), (ticket, "分派给 物业服务中心", "系统"), (ticket, "超时上报至 梅园社区", "系统"),
        (ticket, "签收：马上去", "梅园书记"), (ticket, "回访：已联系 是，已解决 否，基本满意", "张阿姨")]
    # fit to hand over: bold frozen header with a filter, widths, real date formats, landscape fit-to-width print
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:V3"
    assert sheet["A2"].font.bold and sheet["A1"].font.bold and sheet.column_dimensions["I"].width >= 30
    assert sheet["K3"].is_date and sheet["K3"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"
    with world.db.session() as s:
        path, _, _ = export_needs_xlsx(s, uid(world, "梅园社区"), "today", NOW, policy, tmp_path / "en.xlsx", "en")
    english = list(load_workbook(path)["History"].iter_rows(values_only=True))
    assert [r[2] for r in english[2:]][2:] == ["escalated to 梅园社区 (deadline missed)", "accepted: 马上去",
                                               "return visit: contacted yes, solved no, basically satisfied"]


def test_the_overdue_column_says_no_for_a_need_on_time(world, policy, tmp_path):
    """逾期 is never blank, so a filter on it works: 否 / no on time, the deadline missed otherwise."""
    from openpyxl import load_workbook

    from assistant.digest.export import export_needs_xlsx

    with world.db.session() as s:
        on_time = add_need(s, world, created=1, accepted=2, status="accepted").ticket  # accept due 5, resolve due 49
        late = add_need(s, world, created=1, accept_due=3, accepted=4, status="accepted").ticket
        waiting = add_need(s, world, created=1, accept_due=2).ticket  # still new at 14:00, due at 02:00
    for lang, no, accept in (("zh", "否", "签收逾期"), ("en", "no", "accepted late")):
        with world.db.session() as s:
            path, _, _ = export_needs_xlsx(s, uid(world, "梅园社区"), "today", NOW, policy, tmp_path / f"{lang}.xlsx", lang)
        rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
        column = rows[1].index("逾期" if lang == "zh" else "Overdue")
        overdue = {r[0]: r[column] for r in rows[2:]}
        assert overdue == {on_time: no, late: accept, waiting: accept}, overdue


def test_schedule_settings_are_checked_naming_the_field():
    from pydantic import ValidationError

    from assistant.config import Settings

    for field, bad in (("digest_weekly_days", (0,)), ("digest_daily_levels", ("building",))):
        with pytest.raises(ValidationError) as err:
            Settings(**{field: bad})
        assert field in str(err.value)


def test_property_ratings_section_in_scope(world, policy):
    from datetime import date

    from assistant.property import evaluations

    rubric = load_rubric()
    with world.db.session() as s:
        company = evaluations.add_company(s, "安居物业")
        evaluations.add_contract(s, company.id, world.units["MY01"], date(2025, 1, 1))
        scores = {i.id: (i.max, None) for i in rubric.items}
        scores["security"] = (10, "巡逻缺岗")
        evaluations.submit(s, rubric, world.secretary, company.id, world.units["MY01"], "2026H2", scores, [], now=NOW)
    mine = build(world, policy, "梅园社区", period="week")
    assert [(r.compound_name, r.service_score, r.street_rank) for r in mine.section("ratings")["rows"]] == [
        ("梅园新村", 90.0, 1)]
    text = digest_build.render(mine, "zh", policy)
    assert "【物业企业评价】2026H2" in text and "安居物业 · 梅园新村" in text and "服务 90" in text
    assert build(world, policy, "敬亭社区", period="week").section("ratings") is None
    # in the next half-year the digest still shows the last rated period until a new evaluation exists
    later = build(world, policy, "梅园社区", period="week", now=datetime(2027, 1, 10, 6, 0, tzinfo=UTC))
    assert later.section("ratings")["period"] == "2026H2"


def test_llm_narrative_only_with_the_digest_numbers(world, policy):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel  # a fake LLM, not a model

    with world.db.session() as s:
        for hour in (1, 2, 3):
            add_need(s, world, created=hour)
    d = build(world, policy, "梅园社区")
    assert digest_build.facts(d)["sections"]["needs"]["totals"]["new"] == 3
    good = FakeListChatModel(responses=["今天梅园社区新增需求 3 件，均在办理中。"])
    story = digest_build.narrative(d, "zh", narrator(good, 5))
    assert story == "今天梅园社区新增需求 3 件，均在办理中。"
    text = digest_build.render(d, "zh", policy, story)
    assert text.splitlines()[1] == story
    invented = FakeListChatModel(responses=["今天梅园社区新增需求 4 件。"])
    assert digest_build.narrative(d, "zh", narrator(invented, 5)) is None
    assert digest_build.narrative(d, "zh", narrator(None, 5)) is None


def test_check_ins_section_flags_late_reports(world, policy):
    """Moved on 3 October, reported on 20 November (the policy's one month): late, 17 days, with the work unit."""
    from datetime import date

    from assistant.org.people import bind_role, create_person
    from assistant.party.checkins import CheckinForm, decide, start_checkin, submit_checkin
    from assistant.storage.models import OrgUnit
    from tests.helpers.world import recorded_long_ago

    party = load_party_policy()
    reported = datetime(2026, 11, 20, 10, 0, tzinfo=SH)
    with world.db.session() as s:
        for name, moved_on, work_unit in (("晚报到", date(2026, 10, 3), "市教育局"), ("按时", date(2026, 11, 1), "市某局"),
                                          ("也晚了", date(2026, 9, 30), "市住建局")):
            person = create_person(s, name)
            started = start_checkin(s, person.id, now=reported)
            submit_checkin(s, party, started.id, CheckinForm(
                work_unit, f"{work_unit}机关党委", uid(world, "MY01"), "13800000001", moved=True, moved_on=moved_on,
                in_service=False), now=reported)
            decide(s, started.id, world.secretary, True, now=reported)
        never = create_person(s, "未报到", party_member=True, work_unit="市某局")
        bind_role(s, never, "resident", s.get(OrgUnit, uid(world, "MY01-1")))
        recorded_long_ago(s)
    data = build(world, policy, "梅园社区").section("checkins")
    assert (data["confirmed"], data["overdue"], data["late"]) == (3, 1, 2)
    assert data["late_reports"] == (("也晚了", "市住建局", 21), ("晚报到", "市教育局", 17))
    text = digest_build.render(build(world, policy, "梅园社区"), "zh", policy)
    assert "【党员报到】已报到 3，待确认 0，逾期未报到 1，逾期报到 2" in text
    assert "逾期报到：也晚了（市住建局，逾期 21 天）、晚报到（市教育局，逾期 17 天）" in text
    english = digest_build.render(build(world, policy, "梅园社区"), "en", policy)
    assert "Checked in late: 也晚了 (市住建局, 21 days late), 晚报到 (市教育局, 17 days late)" in english
    few = build(world, policy, "梅园社区", top_n=1).section("checkins")
    assert (few["late_reports"], few["more_late"]) == ((("也晚了", "市住建局", 21),), 1)


def test_compliance_lines_carry_one_bullet(world, policy):
    """The organisation-setting breaches in a digest: each line as /check prints it, not bulleted twice."""
    from assistant.org.people import create_person
    from assistant.party.seats import add_seat

    with world.db.session() as s:
        add_seat(s, None, uid(world, "澄江街道"), create_person(s, "王五").id, "street_committee", "part_time_member")
    text = digest_build.render(build(world, policy, "宣州区"), "zh", policy)
    lines = [line for line in text.splitlines() if "组通〔2020〕15号" in line]
    assert lines and all(line.startswith("• 宣州区") for line in lines), lines
