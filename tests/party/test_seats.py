"""Organisation (clauses 1–3, 9): seats, party groups, resident full members, compliance facts on a generated
tree, and the party policy's validation."""
from __future__ import annotations

import copy

import pytest
import yaml

from assistant.errors import DomainError, Invalid, NotAllowed
from assistant.org.people import bind_role, create_person
from assistant.org.tree import add_unit
from assistant.party.checkins import register_flow_in
from assistant.party.seats import add_party_group, add_seat, compliance_facts, remove_seat, resident_full_members, seats
from assistant.policy.loader import SHIPPED_PARTY_POLICY, PolicyError, load_party_policy, parse_party_policy
from assistant.storage.models import OrgUnit

from ..helpers.world import T0


@pytest.fixture(scope="module")
def party():
    return load_party_policy()


def test_seats(world):
    with world.db.session() as s:
        people = [create_person(s, f"委员{i}").id for i in range(3)]
        community = world.units["341802001001"]
        first = add_seat(s, world.street, community, people[0], "community_committee", "first_secretary", "澄江街道")
        add_seat(s, world.community, community, people[1], "community_committee", "deputy_secretary", "结对单位")
        with pytest.raises(DomainError):
            add_seat(s, world.community, community, people[0], "community_committee", "member")
        for organ, position, field in [("branch_committee", "secretary", "organ"),
                                       ("community_committee", "part_time_member", "position")]:
            with pytest.raises(Invalid) as error:
                add_seat(s, world.community, community, people[2], organ, position)
            assert error.value.errors[0][0] == field
        for outsider in (world.secretary, world.resident):
            with pytest.raises(NotAllowed):
                add_seat(s, outsider, community, people[2], "community_committee", "member")
        assert [(v.position, v.from_unit) for v in seats(s, community)] == [("first_secretary", "澄江街道"),
                                                                          ("deputy_secretary", "结对单位")]
        assert remove_seat(s, world.community, first.id) and not remove_seat(s, world.community, first.id)
        assert len(seats(s, community)) == 1


def test_party_groups(world):
    with world.db.session() as s:
        leader = create_person(s, "党小组长").id
        assert add_party_group(s, world.secretary, world.units["MY01-1"], leader, now=T0)
        with pytest.raises(DomainError):
            add_party_group(s, world.community, world.units["MY01-1"], now=T0)
        with pytest.raises(Invalid):
            add_party_group(s, world.community, world.units["MY01"], now=T0)
        with pytest.raises(NotAllowed):
            add_party_group(s, world.other_secretary, world.units["MY01-2"], now=T0)


def test_compliance_facts_on_a_generated_tree(world):
    with world.db.session() as s:
        street = add_unit(s, "生成街道", "street", s.get(OrgUnit, world.units["341802"]))
        coordinator = create_person(s, "生成社区书记")
        communities, compounds, buildings = [], [], []
        for c in range(2):
            community = add_unit(s, f"社区{c}", "community", street)
            communities.append(community)
            bind_role(s, coordinator, "community", community)
            for k in range(2):
                compound = add_unit(s, f"小区{c}{k}", "compound", community)
                compounds.append(compound)
                buildings.extend(add_unit(s, f"{b}栋", "building", compound) for b in range(1, 3))
        # compound 0: 4 members (3 in building 1 with a party group, 1 in building 2) and a branch secretary
        for i in range(4):
            p = create_person(s, f"党员{i}")
            register_flow_in(s, coordinator.id, p.id, compounds[0].id, buildings[0 if i < 3 else 1].id, now=T0)
        add_party_group(s, coordinator.id, buildings[0].id, now=T0)
        add_seat(s, coordinator.id, compounds[0].id, create_person(s, "书记").id, "branch_committee", "secretary")
        # compound 1: 3 members without a building, owners' committee of 3 with 1 party member, a bound secretary
        for i in range(3):
            register_flow_in(s, coordinator.id, create_person(s, f"二区党员{i}").id, compounds[1].id, now=T0)
        bind_role(s, create_person(s, "二区书记"), "branch_secretary", compounds[1])
        for i, party_member in enumerate((True, False, False)):
            bind_role(s, create_person(s, f"业委会{i}", party_member=party_member), "owners_committee", compounds[1])
        for position in ("part_time_member", "part_time_member"):
            add_seat(s, world.district, street.id, create_person(s, "兼职委员").id, "street_committee", position)
        assert resident_full_members(s, buildings[0].id) == 3
        assert resident_full_members(s, street.id) == 7
        facts = {f.unit_id: f for f in compliance_facts(s, street.id)}
        assert len(facts) == 1 + 2 + 4 + 8
        assert facts[street.id].seats_by_organ_position == {"street_committee": {"part_time_member": 2}}
        assert facts[street.id].path.endswith("宣州区 > 生成街道") and facts[street.id].has_branch is None
        assert [facts[u.id].full_members for u in communities] == [7, 0]
        one, two = facts[compounds[0].id], facts[compounds[1].id]
        assert (one.full_members, one.has_branch, one.owners_committee_total) == (4, True, None)
        assert (two.full_members, two.has_branch) == (3, True)
        assert (two.owners_committee_total, two.owners_committee_party) == (3, 1)
        assert facts[compounds[2].id].has_branch is False
        assert [(facts[b.id].full_members, facts[b.id].has_party_group) for b in buildings[:3]] == [
            (3, True), (1, False), (0, False)]
        assert len(compliance_facts(s)) > len(facts)


def test_shipped_party_policy(party):
    assert (party.initial_deadline.isoformat(), party.move_months, party.title_top_n) == ("2020-06-30", 1, 3)
    assert party.committee_rules["community_committee"]["total"].max == 9
    assert party.committee_rules["street_committee"]["part_time_member"].min == 3
    assert party.activity("volunteer").points > 0 and party.case_type("duty").zh == "不主动履行党员义务"
    assert party.owners_committee_party_share == 0.5


@pytest.mark.parametrize("change, field", [
    (lambda d: d["checkin"].pop("move_months"), "checkin.move_months"),
    (lambda d: d["checkin"].update(initial_deadline="soon"), "checkin.initial_deadline"),
    (lambda d: d.update(timezone="Mars/Base"), "timezone"),
    (lambda d: d["points"]["activities"][1].update(id="volunteer"), "points.activities[1].id"),
    (lambda d: d["points"]["activities"][0].update(points=0), "points.activities[0].points"),
    (lambda d: d["points"]["quarter_title"].update(top_n=-1), "points.quarter_title.top_n"),
    (lambda d: d["cases"]["types"][0].pop("zh"), "cases.types[0].zh"),
    (lambda d: d["compliance"]["branch_committee"]["total"].update(min=6), "compliance.branch_committee.total.min"),
    (lambda d: d["compliance"]["branch_committee"].update(chair={"max": 1}), "compliance.branch_committee.chair"),
    (lambda d: d["compliance"].update(owners_committee_party_share=1.5), "compliance.owners_committee_party_share"),
])
def test_bad_policy_names_the_field(change, field):
    data = copy.deepcopy(yaml.safe_load(SHIPPED_PARTY_POLICY.read_text(encoding="utf-8")))
    change(data)
    with pytest.raises(PolicyError) as error:
        parse_party_policy(data, "party.yaml")
    assert error.value.field == field
