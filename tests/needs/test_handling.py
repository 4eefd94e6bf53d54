"""The state machine, who may handle a need, and the return visit that closes or reopens it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from assistant.needs.filing import file_need
from assistant.needs.handling import accept, allowed_actions, hand_back, post_progress, record_visit, resolve
from assistant.needs.queries import detail
from assistant.storage.models import NeedEvent, ReturnVisit

from ..helpers.world import T0, draft

H = timedelta(hours=1)


def filed(world, policy, **overrides):
    with world.db.session() as s:
        return file_need(s, policy, world.resident, draft(world, **overrides), now=T0)


def test_full_cycle(world, policy):
    need = filed(world, policy)
    with world.db.session() as s:
        view = accept(s, need.id, world.liaison, now=T0 + H)
        assert (view.status, view.accepted_at) == ("accepted", T0 + H)
        view = post_progress(s, need.id, world.liaison, "已联系电梯维保公司", now=T0 + 2 * H)
        assert view.status == "in_progress"
        view = post_progress(s, need.id, world.liaison, "配件明天到", now=T0 + 3 * H)
        view = resolve(s, need.id, world.liaison, "已更换主板，运行正常", now=T0 + 4 * H)
        assert (view.status, view.resolved_at) == ("resolved", T0 + 4 * H)
        view = record_visit(s, need.id, world.resident, True, True, "satisfied", now=T0 + 30 * H, policy=policy)
        assert (view.status, view.closed_at) == ("closed", T0 + 30 * H) and not view.is_open
        history = detail(s, need.id, world.resident)
    assert [e.kind for e in history.events] == ["filed", "routed", "accepted", "progress", "progress", "resolved",
                                               "visit", "closed"]
    assert history.events[3].note == "已联系电梯维保公司" and history.events[3].actor_name == "物业联络员"
    assert history.events[-2].data == {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    assert [(v.solved, v.satisfaction) for v in history.visits] == [(True, "satisfied")]


def test_the_return_visit_is_independent_of_the_resolver(world, policy):
    with world.db.session() as s:
        need = file_need(s, policy, world.resident, draft(world, consent=False, resident_name=None,
                                                              resident_phone=None), now=T0)
        accept(s, need.id, world.secretary, now=T0 + H)
        resolve(s, need.id, world.secretary, "已修复", now=T0 + 2 * H)
        with pytest.raises(NotAllowed) as err:
            record_visit(s, need.id, world.secretary, True, True, "satisfied", now=T0 + 3 * H, policy=policy)
        assert err.value.key == "need.err.visit_resolver" and "回访" in err.value.message("zh")
        with pytest.raises(NotAllowed) as err:  # no resident contact recorded with consent: only the submitter
            record_visit(s, need.id, world.member, True, True, "satisfied", now=T0 + 3 * H, policy=policy)
        assert err.value.key == "need.err.visit_not_allowed" and err.value.message("en")
        assert record_visit(s, need.id, world.resident, True, True, "satisfied", now=T0 + 3 * H,
                            policy=policy).status == "closed"
        consented = file_need(s, policy, world.resident, draft(world), now=T0)  # phone given with consent
        accept(s, consented.id, world.liaison, now=T0 + H)
        resolve(s, consented.id, world.liaison, "已修复", now=T0 + 2 * H)
        with pytest.raises(NotAllowed):
            record_visit(s, consented.id, world.liaison, True, True, "satisfied", now=T0 + 3 * H, policy=policy)
        view = record_visit(s, consented.id, world.member, True, False, "unsatisfied", now=T0 + 3 * H, policy=policy)
        assert view.status == "reopened"  # a branch member called the resident; the resolver may resolve again
        accept(s, consented.id, world.liaison, now=T0 + 4 * H)
        resolve(s, consented.id, world.member, "委员协调修复", now=T0 + 5 * H)
        assert record_visit(s, consented.id, world.liaison, True, True, "basically", now=T0 + 6 * H,
                            policy=policy).status == "closed"  # the liaison did not resolve it this time


@pytest.mark.parametrize("status, allowed", [
    ("new", ["accept", "hand_back"]),
    ("accepted", ["progress", "resolve", "hand_back"]),
    ("in_progress", ["progress", "resolve", "hand_back"]),
    ("resolved", ["visit"]),
    ("closed", []),
    ("reopened", ["accept", "hand_back"]),
    ("handed_back", ["accept"]),
])
def test_transition_table(status, allowed):
    assert allowed_actions(status) == allowed


def test_invalid_transitions(world, policy):
    need = filed(world, policy)
    with world.db.session() as s:
        for step in (lambda: post_progress(s, need.id, world.liaison, "进展", now=T0),
                     lambda: resolve(s, need.id, world.liaison, "好了", now=T0),
                     lambda: record_visit(s, need.id, world.resident, True, True, "satisfied", now=T0, policy=policy)):
            with pytest.raises(InvalidTransition) as caught:
                step()
        assert caught.value.values == {"ticket": need.ticket, "status": "new", "action": "visit"}
        assert caught.value.message() == f"需求 {need.ticket} 当前为“待签收”，不能回访。"
        accept(s, need.id, world.liaison, now=T0)
        with pytest.raises(InvalidTransition):
            accept(s, need.id, world.secretary, now=T0)  # accepted already
        resolve(s, need.id, world.liaison, "已修好", now=T0)
        with pytest.raises(InvalidTransition):
            hand_back(s, need.id, world.liaison, "不归我们管", now=T0, policy=policy)
        record_visit(s, need.id, world.resident, True, True, "basically", now=T0, policy=policy)
        with pytest.raises(InvalidTransition):
            accept(s, need.id, world.liaison, now=T0)  # closed is final
        with pytest.raises(NotFound):
            accept(s, 99999, world.liaison, now=T0)


def test_notes_are_required(world, policy):
    need = filed(world, policy)
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0)
        with pytest.raises(Invalid) as caught:
            post_progress(s, need.id, world.liaison, "   ", now=T0)
        assert caught.value.errors == [("note", "need.err.note_empty")]
        with pytest.raises(Invalid):
            resolve(s, need.id, world.liaison, "x" * 2001, now=T0)
        with pytest.raises(Invalid):
            record_visit(s, need.id, world.resident, True, True, "delighted", now=T0, policy=policy)


def test_who_may_handle(world, policy):
    need = filed(world, policy)  # sits at 梅园新村 1栋, assigned to the property liaison
    with world.db.session() as s:
        for outsider in (world.other_leader, world.other_secretary, world.neighbour):
            with pytest.raises(NotFound):  # outside their scope: as if there were no such need
                accept(s, need.id, outsider, now=T0)
        with pytest.raises(NotAllowed):  # the submitter sees the need but does not handle it
            accept(s, need.id, world.resident, now=T0)
        assert accept(s, need.id, world.leader, now=T0).status == "accepted"  # the building's leader
    with world.db.session() as s:
        with pytest.raises(NotFound):  # a building leader of 锦绣华庭 does not even see a need of 梅园新村
            resolve(s, need.id, world.other_leader, "已处理", now=T0)
        for allowed in (world.secretary, world.community, world.street, world.district, world.admin, world.liaison):
            post_progress(s, need.id, allowed, "跟进中", now=T0)
        assert resolve(s, need.id, world.leader, "已处理", now=T0).status == "resolved"


def test_accepting_makes_the_handler_an_assignee(world, policy):
    need = filed(world, policy)
    with world.db.session() as s:
        view = accept(s, need.id, world.secretary, now=T0)
    assert view.assignee_ids == tuple(sorted((world.liaison, world.secretary)))


def test_hand_back_returns_it_to_the_coordinators(world, policy):
    need = filed(world, policy)
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0 + H)
        view = hand_back(s, need.id, world.liaison, "属于电梯维保单位的责任", now=T0 + 3 * H, policy=policy)
        assert view.status == "handed_back" and view.assignee_ids == ()
        assert view.accept_due_at == T0 + 3 * H + timedelta(hours=policy.sla["urgent"].accept_hours)
        assert view.resolve_due_at == need.resolve_due_at
        assert "handed_back" in [e.kind for e in detail(s, need.id, world.secretary).events]
        with pytest.raises(InvalidTransition):
            hand_back(s, need.id, world.secretary, "再退", now=T0, policy=policy)
        assert accept(s, need.id, world.secretary, now=T0 + 4 * H).assignee_ids == (world.secretary,)


def test_visit_not_solved_reopens_with_fresh_deadlines(world, policy):
    need = filed(world, policy, urgency="normal")
    later = T0 + timedelta(days=3)
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0)
        resolve(s, need.id, world.liaison, "已处理", now=T0 + H)
        with pytest.raises(NotFound):  # only the submitter or handlers at the level record visits; not outsiders
            record_visit(s, need.id, world.other_leader, True, False, "unsatisfied", now=later, policy=policy)
        view = record_visit(s, need.id, world.secretary, False, False, "unsatisfied", now=later, policy=policy)
        assert (view.status, view.level_unit_id, view.resolved_at) == ("reopened", need.level_unit_id, None)
        assert (view.accept_due_at, view.resolve_due_at) == policy.deadlines("normal", later)
        assert view.assignee_ids == need.assignee_ids  # the responsible party gets it back
        kinds = list(s.scalars(select(NeedEvent.kind).where(NeedEvent.need_id == need.id).order_by(NeedEvent.id)))
        assert kinds[-2:] == ["visit", "reopened"]
        assert accept(s, need.id, world.liaison, now=later).status == "accepted"  # and handles it again
        visits = list(s.scalars(select(ReturnVisit).where(ReturnVisit.need_id == need.id)))
    assert [(v.contacted, v.solved, v.satisfaction, v.by_id) for v in visits] == [
        (False, False, "unsatisfied", world.secretary)]
