"""党员服务积分 (clause 7): who records, the append-only ledger, summaries, leaderboards and quarter titles."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import select

from assistant.errors import DomainError, Invalid, NotAllowed
from assistant.org.people import create_person
from assistant.party.points import correct, entries, leaderboard, quarter_titles, record_points, summary
from assistant.policy.loader import SHIPPED_PARTY_POLICY, load_party_policy, parse_party_policy
from assistant.storage.models import PointEntry

from ..helpers.world import T0
from .test_checkins import member

TODAY = date(2026, 11, 26)  # T0 in Shanghai


@pytest.fixture(scope="module")
def party():
    return load_party_policy()


def test_who_may_record(world, party):
    with world.db.session() as s:
        m = member(world, party, s, "党员甲")
        for officer in (world.secretary, world.member, world.leader, world.admin):
            assert record_points(s, party, officer, m, "volunteer", TODAY, "清理楼道", now=T0).points == 5
        for outsider in (world.other_leader, world.other_secretary, world.liaison, world.resident, world.community):
            with pytest.raises(NotAllowed):
                record_points(s, party, outsider, m, "volunteer", TODAY, now=T0)
        stranger = create_person(s, "未报到者")
        with pytest.raises(DomainError) as error:
            record_points(s, party, world.secretary, stranger.id, "volunteer", TODAY, now=T0)
        assert error.value.key == "points.err.no_branch"


def test_bad_input(world, party):
    with world.db.session() as s:
        m = member(world, party, s, "党员甲")
        for activity, day, field in [("golf", TODAY, "activity"), ("parking", TODAY + timedelta(days=1), "on_date"),
                                     ("parking", date(1921, 6, 30), "on_date")]:
            with pytest.raises(Invalid) as error:
                record_points(s, party, world.secretary, m, activity, day, now=T0)
            assert error.value.errors[0][0] == field


def test_corrections_are_new_rows(world, party):
    with world.db.session() as s:
        m = member(world, party, s, "党员甲")
        first = record_points(s, party, world.leader, m, "property_fee", date(2026, 10, 3), now=T0)
        record_points(s, party, world.leader, m, "parking", TODAY, now=T0)
        fix = correct(s, first.id, world.secretary, "记错了人", now=T0 + timedelta(hours=1))
        assert (fix.points, fix.corrects_id, fix.on_date, fix.activity) == (-3, first.id, date(2026, 10, 3),
                                                                            "property_fee")
        stored = s.get(PointEntry, first.id)
        assert (stored.points, stored.note, stored.recorded_by) == (3, None, world.leader)
        assert len(s.scalars(select(PointEntry)).all()) == 3 and [e.points for e in entries(s, m)] == [3, -3, 2]
        for entry_id in (first.id, fix.id):
            with pytest.raises(DomainError):
                correct(s, entry_id, world.secretary, "再改", now=T0)
        with pytest.raises(Invalid):
            correct(s, first.id, world.secretary, " ", now=T0)
        with pytest.raises(NotAllowed):
            correct(s, first.id, world.other_secretary, "越权", now=T0)
        assert summary(s, m, TODAY) == (2, 2, 1)


def test_summary_rank_leaderboard_and_titles(world, party):
    with world.db.session() as s:
        a, b, c, d, e = (member(world, party, s, name) for name in "甲乙丙丁戊")
        plan = {a: ["volunteer", "volunteer"], b: ["volunteer", "parking", "parking", "consultation"],
                c: ["volunteer", "consultation"], d: ["property_fee", "contact_residents"], e: ["parking"]}
        for person, activities in plan.items():
            for activity in activities:
                record_points(s, party, world.secretary, person, activity, date(2026, 11, 2), now=T0)
        record_points(s, party, world.secretary, e, "volunteer", date(2026, 9, 30), now=T0)  # Q3
        assert summary(s, a, TODAY) == (10, 10, 2)
        assert summary(s, b, TODAY) == (12, 12, 1)
        assert summary(s, e, TODAY) == (7, 2, 4)  # all-time points rank in the branch
        assert summary(s, e, date(2026, 9, 1)).this_month == 5
        board = leaderboard(s, world.units["MY01"], date(2026, 11, 15))
        assert [(r.rank, r.name, r.points) for r in board] == [(1, "乙", 12), (2, "甲", 10), (3, "丙", 8),
                                                               (4, "丁", 5), (5, "戊", 2)]
        assert leaderboard(s, world.units["MY01"], date(2026, 10, 1)) == []
        titles = quarter_titles(s, party, world.units["MY01"], date(2026, 12, 31))
        assert [t.person_id for t in titles] == [b, a, c]
        record_points(s, party, world.secretary, d, "property_fee", date(2026, 12, 3), now=T0 + timedelta(days=8))
        assert [t.rank for t in quarter_titles(s, party, world.units["MY01"], date(2026, 10, 1))] == [1, 2, 3, 3]
        assert [t.person_id for t in quarter_titles(s, party, world.units["MY01"], date(2026, 8, 1))] == [e]
        raw = yaml.safe_load(SHIPPED_PARTY_POLICY.read_text(encoding="utf-8"))
        raw["points"]["quarter_title"]["top_n"] = 1
        one = parse_party_policy(raw)
        assert [t.person_id for t in quarter_titles(s, one, world.units["MY01"], date(2026, 11, 1))] == [b]
        assert quarter_titles(s, party, world.units["MY02"], date(2026, 11, 1)) == []
        assert party.title("en") == "Party Vanguard Post" and party.title() == "党员先锋岗"
