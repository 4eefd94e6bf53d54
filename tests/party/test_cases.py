"""党员负面行为评价 (clause 8): opening, replying, rectifying, the overdue sweep and who may see a case."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assistant.errors import DomainError, Invalid, NotAllowed
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.party.cases import (
    can_view,
    close_case,
    mark_notice_sent,
    mark_rectified,
    member_reply,
    notice_board,
    open_case,
    sweep_overdue,
    visible_cases,
)
from assistant.policy.loader import load_party_policy
from assistant.storage.models import CaseEvent

from ..helpers.world import T0
from .test_checkins import member

TODAY = date(2026, 11, 26)
CONTACT = "13700001111"


@pytest.fixture(scope="module")
def party():
    return load_party_policy()


def opened(world, party, s, **overrides):
    m = member(world, party, s, "违规党员", work_unit_contact=f"{CONTACT[:3]}-{CONTACT[3:]}")
    fields = dict(case_type="property_rules", facts="楼道堆放杂物，经提醒未清理")
    fields.update(overrides)
    return m, open_case(s, party, world.secretary, m, now=T0, **fields)


def test_open_reply_rectify(world, party):
    with world.db.session() as s:
        m, case = opened(world, party, s)
        assert (case.status, case.deadline) == ("open", TODAY + timedelta(days=party.rectify_days))
        with pytest.raises(NotAllowed):
            open_case(s, party, world.other_secretary, m, "duty", "事实", now=T0)
        with pytest.raises(NotAllowed):
            open_case(s, party, world.leader, m, "duty", "事实", now=T0)
        for kwargs, field in [(dict(case_type="x"), "case_type"), (dict(deadline=TODAY - timedelta(days=1)),
                                                                    "deadline"), (dict(facts=" "), "facts")]:
            with pytest.raises(Invalid) as error:
                open_case(s, party, world.secretary, m, **{"case_type": "duty", "facts": "事实", **kwargs}, now=T0)
            assert error.value.errors[0][0] == field
        with pytest.raises(NotAllowed):
            member_reply(s, case.id, world.resident, "不是我", now=T0)
        assert member_reply(s, case.id, m, "本周内清理", now=T0).member_reply == "本周内清理"
        with pytest.raises(NotAllowed):
            mark_rectified(s, case.id, m, now=T0)
        assert mark_rectified(s, case.id, world.member, "已清理", now=T0 + timedelta(days=3)).status == "rectified"
        with pytest.raises(DomainError) as error:
            mark_rectified(s, case.id, world.member, now=T0)
        assert "当前为“已整改”" in error.value.message() and "This case is rectified;" in error.value.message("en")
        assert sweep_overdue(s, party, TODAY + timedelta(days=60), now=T0) == []
        assert close_case(s, case.id, world.community, now=T0 + timedelta(days=4)).status == "closed"
        kinds = s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert kinds == ["opened", "replied", "rectified", "closed"]


def test_sweep_marks_unrectified_exactly_once(world, party):
    with world.db.session() as s:
        m, case = opened(world, party, s, deadline=date(2026, 12, 31))
        assert sweep_overdue(s, party, date(2026, 12, 31), now=T0) == []  # the deadline day itself is in time
        notices = sweep_overdue(s, party, date(2027, 1, 1), now=T0 + timedelta(days=36))
        assert [n.case_id for n in notices] == [case.id]
        notice = notices[0]
        assert (notice.contact, notice.year, notice.work_unit_party_org) == (CONTACT, 2027, "市住建局机关党委")
        assert "违规党员" in notice.text() and "2027" in notice.text() and "clause 8" in notice.text("en")
        assert sweep_overdue(s, party, date(2027, 1, 2), now=T0 + timedelta(days=37)) == []
        board = notice_board(s, party, unsent_only=True)
        assert [n.case_id for n in board] == [case.id] and board[0].text() == notice.text()
        assert notice_board(s, party, find_unit(s, "敬亭社区").path) == []  # another community's board
        view = mark_notice_sent(s, case.id, now=T0 + timedelta(days=37))
        assert notice_board(s, party, unsent_only=True) == [] and len(notice_board(s, party)) == 1
        assert (view.status, view.notice_board, view.no_awards_year) == ("unrectified", True, 2027)
        assert view.notice_sent_at == T0 + timedelta(days=37)
        with pytest.raises(DomainError):
            mark_rectified(s, case.id, world.secretary, now=T0)


def test_visibility_for_every_role(world, party):
    with world.db.session() as s:
        m, case = opened(world, party, s)
        contact = create_person(s, "单位联系人", CONTACT).id
        other_community = create_person(s, "敬亭社区协调员", "13600000000")
        bind_role(s, other_community, "community", find_unit(s, "敬亭社区"))
        expected = {
            m: True, world.secretary: True, world.member: True, world.community: True, contact: True,
            world.leader: False, other_community.id: False, world.street: False, world.district: False,
            world.neighbour: False, world.resident: False, world.other_secretary: False, world.liaison: False,
        }
        assert {who: can_view(s, case.id, who) for who in expected} == expected
        assert [c.id for c in visible_cases(s, contact)] == [case.id]
        assert visible_cases(s, world.neighbour) == []
