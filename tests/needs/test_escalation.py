"""Escalation with a controllable clock: building → compound → community → street → district, once per deadline."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assistant.errors import NotAllowed
from assistant.needs import escalation, tasklist
from assistant.needs.escalation import escalate_due
from assistant.needs.filing import file_need
from assistant.needs.handling import accept, post_progress
from assistant.storage.models import Escalation, Need, NeedEvent, OrgUnit

from ..helpers.world import T0, draft

H = timedelta(hours=1)


def file(world, policy, **overrides):
    with world.db.session() as s:
        return file_need(s, policy, world.resident, draft(world, **overrides), now=T0)


def run(world, policy, now):
    with world.db.session() as s:
        return escalate_due(s, policy, now)


def test_climbs_the_chain_and_stops_at_the_district(world, policy):
    need = file(world, policy)  # urgent: 2 h to accept
    step = timedelta(hours=policy.sla["urgent"].accept_hours)
    assert run(world, policy, T0 + step - timedelta(seconds=1)) == []
    expected = [
        ("1栋", "梅园新村", "compound", {world.secretary, world.member}),
        ("梅园新村", "梅园社区", "community", {world.community}),
        ("梅园社区", "澄江街道", "street", {world.street}),
        ("澄江街道", "宣州区", "district", {world.district}),
    ]
    now = T0
    for source, target, level, coordinators in expected:
        due = now + step
        now = due
        moved = run(world, policy, now)
        assert len(moved) == 1
        view = moved[0]
        assert (view.from_unit_name, view.to_unit_name, view.to_level) == (source, target, level)
        with world.db.session() as s:
            assert set(tasklist.coordinators(s, s.get(OrgUnit, view.to_unit_id))) == coordinators
        assert (view.deadline_kind, view.deadline_at) == ("accept", due)
        assert view.need.level_unit_name == target and view.need.status == "new"
        assert (view.need.accept_due_at, view.need.resolve_due_at) == policy.deadlines("urgent", now)
        assert run(world, policy, now) == []  # twice at the same moment: nothing more
    assert run(world, policy, now + 10 * step) == []  # never above the district
    with world.db.session() as s:
        assert s.get(Need, need.id).level_unit_id == world.units["341802"]
        assert len(escalation.escalations(s, need.id)) == 4
        events = s.scalars(select(NeedEvent).where(NeedEvent.need_id == need.id, NeedEvent.kind == "escalated"))
        assert [(e.actor_id, e.data["deadline_kind"]) for e in events] == [(None, "accept")] * 4


def test_resolve_deadline(world, policy):
    need = file(world, policy, urgency="normal", building_id=None)  # starts at the compound
    with world.db.session() as s:
        accept(s, need.id, world.liaison, now=T0 + H)
    resolve_hours = timedelta(hours=policy.sla["normal"].resolve_hours)
    assert run(world, policy, T0 + resolve_hours - H) == []
    moved = run(world, policy, T0 + resolve_hours)
    assert [(m.deadline_kind, m.from_level, m.to_level) for m in moved] == [("resolve", "compound", "community")]
    view = moved[0].need
    assert view.status == "accepted" and view.accept_due_at == need.accept_due_at
    assert view.resolve_due_at == T0 + 2 * resolve_hours


def test_handling_rights_follow_the_level(world, policy):
    need = file(world, policy)
    run(world, policy, T0 + 2 * H)  # now at 梅园新村
    with world.db.session() as s:
        with pytest.raises(NotAllowed):
            accept(s, need.id, world.leader, now=T0 + 2 * H)  # the building leader is below the level now
        accept(s, need.id, world.secretary, now=T0 + 2 * H)
        post_progress(s, need.id, world.liaison, "assignees keep their rights", now=T0 + 3 * H)


def test_only_overdue_open_needs_move(world, policy):
    first = file(world, policy)
    second = file(world, policy, urgency="normal")
    with world.db.session() as s:
        accept(s, first.id, world.liaison, now=T0)  # accepted in time: only the resolve deadline counts now
    moved = run(world, policy, T0 + 3 * H)
    assert moved == []
    moved = run(world, policy, T0 + 24 * H)
    assert [m.need.id for m in moved] == [second.id]


def test_two_processes_never_double_escalate(world, policy):
    need = file(world, policy)
    now = T0 + 2 * H
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        results.append(run(world, policy, now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r) for r in results) == [0, 1]
    with world.db.session() as s:
        assert s.scalar(select(func.count(Escalation.id)).where(Escalation.need_id == need.id)) == 1
        assert s.get(Need, need.id).level_unit_id == world.units["MY01"]


def test_a_stale_decision_is_stopped_by_the_unique_constraint(world, policy):
    need = file(world, policy)
    now = T0 + 2 * H
    with world.db.session() as s:  # a process decides from what it read...
        old = s.get(Need, need.id)
        missed, target_id = escalation.missed_deadline(old, now), escalation.next_unit(s, policy, old.level_unit).id
    assert run(world, policy, now)  # ...another escalates and commits first...
    with world.db.session() as s:  # ...and the first one's move for the same deadline is refused
        assert escalation._escalate(s, policy, s.get(Need, need.id), missed, s.get(OrgUnit, target_id), now) is None
    with world.db.session() as s:
        assert s.scalar(select(func.count(Escalation.id))) == 1
        assert s.get(Need, need.id).level_unit_id == world.units["MY01"]


def test_deadline_warnings_once_per_deadline_then_the_accepted_need_warns_for_resolving(world, policy):
    need = file(world, policy)  # urgent: accept 2 h, resolve 48 h; warn at 75 %
    warn = lambda now: escalation.warn_due(s, policy, now)
    with world.db.session() as s:
        assert warn(T0 + 1.4 * H) == []
        first = warn(T0 + 1.6 * H)
        assert [(w.need.id, w.kind, w.due) for w in first] == [(need.id, "accept", T0 + 2 * H)]
        assert {r.person_id for r in first[0].recipients} == {world.liaison}  # the assignee
        assert warn(T0 + 1.9 * H) == []  # once per deadline
        assert warn(T0 + 2 * H) == []  # overdue: escalation's business, not a warning
        accept(s, need.id, world.liaison, now=T0 + 1.95 * H)
        assert warn(T0 + 30 * H) == []
        later = warn(T0 + 37 * H)  # 75 % of the 48 h resolve window is 36 h
        assert [(w.kind, w.due) for w in later] == [("resolve", T0 + 48 * H)]
