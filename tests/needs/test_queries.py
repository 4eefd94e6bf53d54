"""Reading needs: mine, todo, detail with the phone masked, the CLI list, and who to notify."""
from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.errors import NotFound
from assistant.needs import tasklist
from assistant.needs.escalation import escalate_due
from assistant.needs.filing import file_need, join_need
from assistant.needs.handling import accept, hand_back, record_visit, resolve
from assistant.needs.queries import Recipient, detail, list_needs, mine, recipients, todo
from assistant.storage.models import OrgUnit

from ..helpers.world import T0, draft

H = timedelta(hours=1)


def file(world, policy, person=None, **overrides):
    with world.db.session() as s:
        return file_need(s, policy, person or world.resident, draft(world, **overrides), now=T0)


def test_mine(world, policy):
    first = file(world, policy)
    second = file(world, policy, person=world.neighbour, category="repair", description="2单元路灯坏了很久")
    with world.db.session() as s:
        join_need(s, second.id, world.resident, "我也看到了", policy=policy, now=T0 + H)
        assert [v.ticket for v in mine(s, world.resident)] == [second.ticket, first.ticket]
        assert [v.id for v in mine(s, world.neighbour)] == [second.id]
        assert mine(s, world.admin) == []


def test_todo(world, policy):
    at_building = file(world, policy)  # assigned to the liaison, sits at 1栋
    at_compound = file(world, policy, building_id=None, urgency="normal", category="dispute",
                       description="楼上装修噪音太大")  # the branch is assigned
    with world.db.session() as s:
        # assigned to the liaison, and at the compound where the liaison holds a handling role
        assert [v.id for v in todo(s, world.liaison)] == [at_building.id, at_compound.id]
        assert [v.id for v in todo(s, world.leader)] == [at_building.id]  # sits at the leader's building
        assert [v.id for v in todo(s, world.secretary)] == [at_compound.id]
        assert todo(s, world.resident) == [] and todo(s, world.other_leader) == []
        assert todo(s, world.community) == []
        escalate_due(s, policy, T0 + 2 * H)  # the urgent one moves to the compound
        assert [v.id for v in todo(s, world.secretary)] == [at_building.id, at_compound.id]  # earliest due first
        assert todo(s, world.leader) == []
        accept(s, at_building.id, world.liaison, now=T0 + 3 * H)
        resolve(s, at_building.id, world.liaison, "已修复", now=T0 + 4 * H)
        assert [v.id for v in todo(s, world.liaison)] == [at_compound.id]  # resolved is not open


def test_detail_masks_the_phone(world, policy):
    need = file(world, policy)
    with world.db.session() as s:
        for viewer in (world.resident, world.liaison, world.admin):  # submitter, assignee, admin
            shown = detail(s, need.id, viewer)
            assert (shown.resident_phone, shown.phone_masked) == ("13812345678", False)
        for viewer in (world.secretary, world.leader, world.community):
            shown = detail(s, need.id, viewer)
            assert (shown.resident_phone, shown.phone_masked) == ("138****5678", True)
        for outsider in (world.other_leader, world.other_secretary, world.neighbour):
            with pytest.raises(NotFound) as refused:  # exactly as for a need that does not exist
                detail(s, need.id, outsider)
            assert refused.value.key == "need.err.not_found" and refused.value.values == {"id": need.id}
        with pytest.raises(NotFound):
            detail(s, 4242, world.admin)
        shown = detail(s, need.id, world.secretary)
    assert shown.submitter_name == "张阿姨" and shown.assignees == ((world.liaison, "物业联络员"),)
    assert [(e.kind, e.actor_name) for e in shown.events] == [("filed", "张阿姨"), ("routed", None)]
    assert shown.events[1].data["party_type"] == "property_company" and shown.need.ticket == need.ticket


def test_list_needs(world, policy):
    mine_ = file(world, policy)
    other = file(world, policy, person=world.other_secretary, compound_id=world.units["MY02"],
                 building_id=world.units["MY02-1"])
    with world.db.session() as s:
        accept(s, other.id, world.other_secretary, now=T0)
        assert {v.id for v in list_needs(s)} == {mine_.id, other.id}
        assert [v.id for v in list_needs(s, world.units["MY01"])] == [mine_.id]
        assert [v.id for v in list_needs(s, world.units["MY01-1"])] == [mine_.id]
        assert {v.id for v in list_needs(s, world.units["341802001001"])} == {mine_.id, other.id}
        assert [v.id for v in list_needs(s, status="accepted")] == [other.id]
        assert list_needs(s, world.units["JT01"]) == [] and len(list_needs(s, limit=1)) == 1
        with pytest.raises(NotFound):
            list_needs(s, 99999)


def who(found: list[Recipient]) -> list[int]:
    return [r.person_id for r in found]


def test_recipients(world, policy):
    need = file(world, policy)
    with world.db.session() as s:
        filed = recipients(s, need.id, "filed")
        assert who(filed) == [world.resident, world.liaison, world.secretary, world.member]
        assert filed[0] == Recipient(world.resident, "telegram", "resident-tg", "en")
        assert who(recipients(s, need.id, "filed", exclude_person_id=world.resident))[0] == world.liaison
        assert who(recipients(s, need.id, "accepted")) == [world.resident]
        join_need(s, need.id, world.neighbour, "我家也是", policy=policy, now=T0)
        assert who(recipients(s, need.id, "progress")) == [world.resident, world.neighbour]
        moved = escalate_due(s, policy, T0 + 2 * H)
        assert who(recipients(s, need.id, "escalated")) == [world.resident, world.neighbour, world.secretary,
                                                             world.member, world.liaison, world.leader]  # + the level left
        assert set(tasklist.coordinators(s, s.get(OrgUnit, moved[0].to_unit_id))) == {world.secretary, world.member}
        accept(s, need.id, world.liaison, now=T0 + 3 * H)
        hand_back(s, need.id, world.liaison, "不属于物业", now=T0 + 3 * H, policy=policy)
        assert who(recipients(s, need.id, "handed_back")) == [world.resident, world.neighbour, world.secretary,
                                                               world.member]
        accept(s, need.id, world.secretary, now=T0 + 4 * H)
        resolve(s, need.id, world.secretary, "已协调维保单位修复", now=T0 + 5 * H)
        record_visit(s, need.id, world.resident, True, False, "unsatisfied", now=T0 + 9 * H, policy=policy)
        assert who(recipients(s, need.id, "reopened")) == [world.resident, world.neighbour, world.secretary]
        accept(s, need.id, world.secretary, now=T0 + 10 * H)
        resolve(s, need.id, world.secretary, "已修复", now=T0 + 11 * H)
        record_visit(s, need.id, world.resident, True, True, "satisfied", now=T0 + 12 * H, policy=policy)
        assert who(recipients(s, need.id, "closed")) == [world.resident, world.neighbour, world.secretary]  # + assignees
        with pytest.raises(ValueError):
            recipients(s, need.id, "teleported")


def test_the_compound_named_in_the_text(world):
    from assistant.needs.places import compound_named

    with world.db.session() as s:
        assert compound_named(s, world.community, "锦绣华庭2栋电梯坏了") == world.units["MY02"]
        assert compound_named(s, world.community, "2栋电梯坏了") is None
        assert compound_named(s, world.community, "锦绣华庭和梅园新村都停水") is None  # two: the worker picks
        assert compound_named(s, world.secretary, "锦绣华庭2栋电梯坏了") is None  # not one of theirs
