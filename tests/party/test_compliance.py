"""Organisation compliance: each rule on synthetic facts, then on the example tree in the database."""
from __future__ import annotations

import pytest

from assistant.policy.loader import load_party_policy
from assistant.party import compliance
from assistant.party.checkins import register_flow_in
from assistant.party.seats import UnitFacts, add_party_group, add_seat
from assistant.org.people import bind_role, create_person
from assistant.storage.models import OrgUnit

POLICY = load_party_policy()


def facts(level: str, seats=None, full=0, group=None, branch=None, owners=(None, None)) -> UnitFacts:
    return UnitFacts(1, "单位", level, "宣州区 > 单位", seats or {}, full, group, branch, *owners)


def rules(found) -> list[tuple[str, str]]:
    return [(f.rule, f.values.get("position", "")) for f in found]


def test_street_part_time_members_3_to_5():
    for n, expected in ((2, [("count_low", "part_time_member")]), (3, []), (5, []),
                        (6, [("count_high", "part_time_member")])):
        found = compliance.check_facts([facts("street", {"street_committee": {"part_time_member": n}})], POLICY)
        assert rules(found) == expected, n
    assert compliance.check_facts([facts("street")], POLICY)[0].clause == "二、（一）1."


def test_community_committee():
    good = {"first_secretary": 1, "secretary": 1, "deputy_secretary": 2, "community_party_member": 2, "member": 1}
    assert compliance.check_facts([facts("community", {"community_committee": good})], POLICY) == []
    crowded = {**good, "member": 3}  # 9 members: allowed, above the usual 7
    assert [f.severity for f in compliance.check_facts([facts("community", {"community_committee": crowded})],
                                                      POLICY)] == ["note"]
    bad = {"first_secretary": 2, "secretary": 1, "deputy_secretary": 0, "community_party_member": 3, "member": 4}
    assert sorted(rules(compliance.check_facts([facts("community", {"community_committee": bad})], POLICY))) == [
        ("count_high", "community_party_member"), ("count_high", "first_secretary"), ("count_high", "total"),
        ("count_low", "deputy_secretary")]


def test_branch_group_and_owners_committee():
    branch = {"branch_committee": {"secretary": 1, "deputy_secretary": 1, "member": 1}}
    assert compliance.check_facts([facts("compound", branch, full=10, branch=True)], POLICY) == []
    assert rules(compliance.check_facts([facts("compound", full=3, branch=False)], POLICY)) == [("no_branch", "")]
    assert compliance.check_facts([facts("compound", full=2, branch=False)], POLICY) == []
    assert rules(compliance.check_facts([facts("building", full=3, group=False)], POLICY)) == [("no_party_group", "")]
    assert compliance.check_facts([facts("building", full=3, group=True)], POLICY) == []
    low = compliance.check_facts([facts("compound", branch, branch=True, owners=(5, 2))], POLICY)
    assert rules(low) == [("owners_share", "")] and low[0].clause == "二、（三）9."
    assert compliance.check_facts([facts("compound", branch, branch=True, owners=(4, 2))], POLICY) == []


def test_messages_cite_the_clause_in_both_languages():
    finding = compliance.check_facts([facts("street")], POLICY)[0]
    assert finding.message("zh").endswith("（组通〔2020〕15号 二、（一）1.）")
    assert "part-time members 0, at least 3 required" in finding.message("en")


@pytest.fixture
def street(world):
    with world.db.session() as s:
        return s.query(OrgUnit).filter_by(name="澄江街道").one().id


def test_on_the_example_tree(world, street):
    with world.db.session() as s:
        before = {(f.unit_path, f.rule, f.values.get("position")) for f in compliance.check(s, POLICY)}
        assert ("宣州区 > 澄江街道", "count_low", "part_time_member") in before
        for i in range(3):
            add_seat(s, world.street, street, create_person(s, f"兼职委员{i}").id, "street_committee",
                     "part_time_member", "驻区单位")
        building = world.units["MY01-2"]
        members = [create_person(s, f"党员{i}", party_member=True).id for i in range(3)]
        for pid in members:
            register_flow_in(s, world.community, pid, world.units["MY01"], building, work_unit="某单位",
                             work_unit_party_org="某单位党支部", phone="13800000000")
        found = compliance.check(s, POLICY)
        paths = {(f.unit_path, f.rule) for f in found}
        assert ("宣州区 > 澄江街道", "count_low") not in paths
        assert ("宣州区 > 澄江街道 > 梅园社区 > 梅园新村 > 2栋", "no_party_group") in paths
        add_party_group(s, world.secretary, building)
        scoped = compliance.check(s, POLICY, world.units["MY01-2"])
        assert scoped == []
        owners = [create_person(s, f"业委会{i}", party_member=i == 0) for i in range(3)]
        compound = s.get(OrgUnit, world.units["MY01"])
        for person in owners:
            bind_role(s, person, "owners_committee", compound)
        share = [f for f in compliance.check(s, POLICY, compound.id) if f.rule == "owners_share"]
        assert share and share[0].values["party"] == 1 and share[0].values["total"] == 3


def test_probationary_members_do_not_count_as_full(world):
    from assistant.party.checkins import CheckinForm, decide, start_checkin, submit_checkin
    from assistant.party.seats import resident_full_members

    with world.db.session() as s:
        building = world.units["MY01-4"]
        for i, probationary in enumerate((False, False, True)):
            person = create_person(s, f"党员乙{i}", party_member=True).id
            started = start_checkin(s, person)
            submit_checkin(s, POLICY, started.id, CheckinForm(
                work_unit="某局", work_unit_party_org="某局党委", compound_id=world.units["MY01"],
                phone=f"1390000000{i}", building_id=building, probationary=probationary))
            decide(s, started.id, world.secretary, True)
        assert resident_full_members(s, building) == 2
        paths = {(f.unit_path, f.rule) for f in compliance.check(s, POLICY, building)}
        assert paths == set()  # 2 full members: no party group needed yet
