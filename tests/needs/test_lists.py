"""任务清单 and 资源清单: task-list routes and resources matched to needs."""
from __future__ import annotations

import pytest

from assistant.errors import Invalid, NotAllowed, NotFound
from assistant.needs.filing import file_need
from assistant.needs.resources import add_resource, deactivate_resource, list_resources, matching_resources
from assistant.needs.tasklist import remove_route, route_for, routes, set_route

from ..helpers.world import T0, draft


def test_routes(world, policy):
    my01 = world.units["MY01"]
    with world.db.session() as s:
        default = route_for(s, policy, my01, "leak")
        assert (default.source, default.party_type) == ("default", "property_company")
        assert default.person_ids == (world.liaison,)
        first = set_route(s, my01, "leak", "property_company", "梅园物业公司", [world.liaison], policy=policy)
        again = set_route(s, my01, "leak", "resident_unit", "自来水公司", [world.leader, world.leader], policy=policy,
                          actor_id=world.community)
        assert again.id == first.id and again.person_ids == (world.leader,)  # replaced, one entry per category
        set_route(s, my01, "elevator", "property_company", "电梯维保公司", [], policy=policy, actor_id=world.secretary)
        assert [(r.category, r.party_label) for r in routes(s, my01)] == [("elevator", "电梯维保公司"), ("leak", "自来水公司")]
        assert routes(s, world.units["MY02"]) == []
        assert route_for(s, policy, my01, "leak").party_label == "自来水公司"
        assert remove_route(s, my01, "leak") is True and remove_route(s, my01, "leak") is False
        assert route_for(s, policy, my01, "leak").source == "default"


def test_route_checks(world, policy):
    my01 = world.units["MY01"]
    with world.db.session() as s:
        for actor in (world.other_secretary, world.leader, world.liaison, world.resident):
            with pytest.raises(NotAllowed):
                set_route(s, my01, "leak", "property_company", "X", [], policy=policy, actor_id=actor)
        with pytest.raises(Invalid) as caught:
            set_route(s, my01, "weather", "mayor", " ", [99999], policy=policy)
        assert [f for f, _ in caught.value.errors] == ["category", "party_type", "party_label", "person_ids"]
        with pytest.raises(Invalid):
            set_route(s, world.units["MY01-1"], "leak", "property_company", "X", [], policy=policy)  # not a compound


def test_resources(world, policy):
    with world.db.session() as s:
        need = file_need(s, policy, world.resident, draft(world, category="leak", description="楼上漏水到我家"), now=T0)
        at_street = add_resource(s, "澄江街道水电维修队", world.units["341802001"], ["leak", "repair"], policy=policy, contact="0563-2345678",
                                 capacity=3, availability="工作日 8:00-17:00", created_by=world.street, now=T0)
        at_building = add_resource(s, "李师傅（水电工）", world.units["MY01-1"], ["leak"], policy=policy, provider_person_id=world.neighbour,
                                   created_by=world.neighbour, now=T0)
        add_resource(s, "锦绣华庭物业维修", world.units["MY02"], ["leak"], policy=policy, now=T0)  # another compound
        add_resource(s, "梅园社区法律顾问", world.units["341802001001"], ["dispute"], policy=policy, now=T0)  # another category
        gone = add_resource(s, "已停止的服务", world.units["MY01"], ["leak"], policy=policy, now=T0)
        deactivate_resource(s, gone.id, world.secretary)
        found = matching_resources(s, need.id)
        assert [r.id for r in found] == [at_building.id, at_street.id]  # nearest first
        assert found[1].tags == ("leak", "repair") and found[1].unit_name == "澄江街道" and found[1].capacity == 3
        assert [r.provider_name for r in list_resources(s, world.units["MY01"])] == ["李师傅（水电工）"]
        assert len(list_resources(s, world.units["MY01"], include_inactive=True)) == 2
        assert len(list_resources(s, world.units["341802001"])) == 4


def test_resource_checks(world, policy):
    with world.db.session() as s:
        with pytest.raises(Invalid) as caught:
            add_resource(s, "", 99999, ["weather"], policy=policy, capacity=0, contact="x" * 201)
        assert [f for f, _ in caught.value.errors] == ["provider_name", "unit_id", "tags", "capacity", "contact"]
        with pytest.raises(NotAllowed):  # a 锦绣华庭 leader cannot register resources at 梅园新村
            add_resource(s, "某服务", world.units["MY01"], ["leak"], policy=policy, created_by=world.other_leader)
        mine = add_resource(s, "某服务", world.units["MY01"], ["leak"], policy=policy, created_by=world.leader)
        with pytest.raises(NotAllowed):
            deactivate_resource(s, mine.id, world.resident)
        assert deactivate_resource(s, mine.id, world.leader).active is False  # its creator
        with pytest.raises(NotFound):
            deactivate_resource(s, 99999)
