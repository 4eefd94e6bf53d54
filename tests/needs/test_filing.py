"""Filing needs: validation, ticket numbers, routing from the task list and from defaults, duplicates, join."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.errors import Invalid, NotAllowed
from assistant.needs import filing
from assistant.needs.filing import NeedDraft, file_need, find_duplicates, join_need, similarity, validate_draft
from assistant.needs.queries import detail
from assistant.needs.tasklist import set_route
from assistant.storage.models import Need, NeedEvent

from ..helpers.world import T0, draft


def test_validate_each_field(world, policy):
    with world.db.session() as s:
        assert validate_draft(policy, draft(world), s) == []
        cases = {
            "category": dict(category="weather"),
            "description": dict(description="  坏了  "),
            "urgency": dict(urgency="asap"),
            "resident_phone": dict(resident_phone="12345"),
            "resident_name": dict(resident_name="名" * 101),
            "compound_id": dict(compound_id=world.units["MY01-1"]),  # a building is not a compound
            "building_id": dict(building_id=world.units["MY02-1"]),  # 锦绣华庭's building
        }
        for field, change in cases.items():
            assert [f for f, _ in validate_draft(policy, draft(world, **change), s)] == [field], field
        long = validate_draft(policy, draft(world, description="漏" * (policy.description_max + 1)))
        assert long == [("description", "need.err.description_long")]
        assert validate_draft(policy, draft(world, description="x" * policy.description_max)) == []
        assert validate_draft(policy, draft(world, description=" 3栋电梯坏 ")) == []  # 5 characters after strip
        short = validate_draft(policy, draft(world, description="   电梯坏了    "))
        assert short == [("description", "need.err.description_short")]
        many = validate_draft(policy, draft(world, category="x", urgency="y", description=""))
        assert [f for f, _ in many] == ["category", "description", "urgency"]


def test_description_bounds_are_the_domains(policy):
    """The /need form asks filing.description_error (the bounds live in the needs domain, not the handler)."""
    lo, hi = policy.description_min, policy.description_max
    assert filing.description_error(policy, "  " + "x" * lo + "  ") is None
    assert filing.description_error(policy, "x" * hi) is None
    assert filing.description_error(policy, "x" * (lo - 1)) == "need.err.description_short"
    assert filing.description_error(policy, None) == "need.err.description_short"
    assert filing.description_error(policy, "x" * (hi + 1)) == "need.err.description_long"


@pytest.mark.parametrize("phone, ok", [
    ("13812345678", True), ("138 1234 5678", True), ("+8613812345678", True), ("19912345678", True),
    ("0563-2345678", True), ("05632345678", True), ("010-12345678", True), ("(0563) 2345 678", True),
    ("12812345678", False), ("1381234567", False), ("2345678", False), ("0563-12", False), ("电话", False),
])
def test_phone_rules(phone, ok):
    assert filing.valid_phone(phone) is ok


def test_household_maps_to_its_building(world, policy):
    with world.db.session() as s:
        view = file_need(s, policy, world.resident, draft(world, building_id=world.units["1单元101室"]), now=T0)
    assert view.building_id == world.units["MY01-1"] and view.level_unit_id == world.units["MY01-1"]


def test_file_with_defaults(world, policy):
    with world.db.session() as s:
        view = file_need(s, policy, world.resident, draft(world), now=T0)
    assert view.ticket == "XQ-20261126-0001" and view.status == "new"
    assert (view.level, view.level_unit_name, view.compound_name) == ("building", "1栋", "梅园新村")
    assert view.building_name == "1栋"
    assert view.accept_due_at == T0 + timedelta(hours=2) and view.resolve_due_at == T0 + timedelta(hours=48)
    assert view.party_type == "property_company" and view.responsible_party == "物业服务企业"
    assert view.assignee_ids == (world.liaison,)  # the compound's property liaison
    assert view.resident_phone_masked == "138****5678" and view.created_at == T0 == view.updated_at
    with world.db.session() as s:
        kinds = [(e.kind, e.actor_id) for e in detail(s, view.id, world.admin).events]
        # a dispute defaults to the community party: the compound's branch acts for it
        other = file_need(s, policy, world.resident, draft(world, category="dispute", description="楼上每晚噪音很大",
                                                                 urgency="normal", building_id=None), now=T0)
    assert kinds == [("filed", world.resident), ("routed", None)]
    assert other.level == "compound" and other.ticket == "XQ-20261126-0002"
    assert set(other.assignee_ids) == {world.secretary, world.member} and other.responsible_party == "社区"
    assert other.accept_due_at == T0 + timedelta(hours=24) and other.resolve_due_at == T0 + timedelta(days=7)


def test_nobody_holds_the_party_roles_so_the_branch_takes_it(world, policy):
    with world.db.session() as s:
        parking = draft(world, category="parking", description="消防通道被车占道")
        view = file_need(s, policy, world.resident, parking, now=T0)
    assert view.party_type == "owners_committee" and set(view.assignee_ids) == {world.secretary, world.member}


def test_never_assigned_to_its_own_submitter(world, policy):
    """No liaison left but the submitter: the branch secretary, then the community up the chain — never the
    submitter (the return visit would not be independent)."""
    with world.db.session() as s:
        liaison_files = file_need(s, policy, world.liaison, draft(world), now=T0)  # the only property liaison
        assert liaison_files.assignee_ids == (world.secretary,)
        routed = s.scalars(select(NeedEvent).where(NeedEvent.need_id == liaison_files.id,
                                                   NeedEvent.kind == "routed")).one()
        assert routed.data["fallback"] is True and routed.data["assignee_ids"] == [world.secretary]
        set_route(s, world.units["MY01"], "elevator", "property_company", "梅园物业公司", [world.secretary],
                  policy=policy, actor_id=world.secretary)
        secretary_files = file_need(s, policy, world.secretary, draft(world), now=T0)
        assert secretary_files.assignee_ids == (world.community,)  # no other secretary: the community
        assert world.secretary not in secretary_files.assignee_ids
        resident_files = file_need(s, policy, world.resident, draft(world), now=T0)
        assert resident_files.assignee_ids == (world.secretary,)  # the task list as written


def test_file_routes_through_the_task_list(world, policy):
    with world.db.session() as s:
        route = set_route(s, world.units["MY01"], "elevator", "property_company", "梅园物业公司",
                          [world.leader, world.neighbour], policy=policy, actor_id=world.secretary)
        view = file_need(s, policy, world.resident, draft(world), now=T0)
        routed = s.scalars(select(NeedEvent).where(NeedEvent.need_id == view.id, NeedEvent.kind == "routed")).one()
        assert routed.data["source"] == "task_list" and routed.note == "梅园物业公司"
    assert route.source == "task_list" and view.responsible_party == "梅园物业公司"
    assert view.assignee_ids == tuple(sorted((world.leader, world.neighbour)))


def test_consent_governs_what_is_stored(world, policy):
    with world.db.session() as s:
        view = file_need(s, policy, world.resident, draft(world, consent=False), now=T0)
        stored = s.get(Need, view.id)
        assert (stored.resident_name, stored.resident_phone, stored.consent) == (None, None, False)
        view = file_need(s, policy, world.resident, draft(world, resident_phone="138-1234-5678"), now=T0)
        assert s.get(Need, view.id).resident_phone == "13812345678"


def test_file_refusals(world, policy):
    with world.db.session() as s:
        with pytest.raises(Invalid) as caught:
            file_need(s, policy, world.resident, draft(world, description="短", category="x"), now=T0)
        assert caught.value.errors == [("category", "need.err.category"), ("description", "need.err.description_short")]
        assert caught.value.key == "need.err.category" and "类别" in caught.value.message()
        with pytest.raises(NotAllowed):  # a 锦绣华庭 building leader cannot file for 梅园新村
            file_need(s, policy, world.other_leader, draft(world), now=T0)
        assert file_need(s, policy, world.community, draft(world), now=T0).ticket.endswith("0001")


def test_ticket_sequence_per_shanghai_day(world, policy):
    with world.db.session() as s:
        tickets = [file_need(s, policy, world.resident, draft(world), now=T0 + timedelta(hours=h)).ticket
                   for h in (0, 1, 14, 15)]  # T0+15 h = 16:00 UTC = midnight in Shanghai
    assert tickets == ["XQ-20261126-0001", "XQ-20261126-0002", "XQ-20261126-0003", "XQ-20261127-0001"]


def test_ticket_numbers_are_unique_under_concurrency(world, policy):
    def attempt(i):
        with world.db.session() as s:
            return file_need(s, policy, world.resident, draft(world, description=f"电梯故障第{i}次报告"),
                             now=T0).ticket

    with ThreadPoolExecutor(max_workers=6) as pool:
        tickets = list(pool.map(attempt, range(12)))
    assert sorted(tickets) == [f"XQ-20261126-{i:04d}" for i in range(1, 13)]


def test_similarity(policy):
    assert similarity("1栋电梯坏了，有老人困在里面", "1栋电梯坏了，有老人困在里面！") == 1
    assert similarity("1栋电梯坏了，有老人困在里面", "1栋电梯又坏了，老人困在里面") > policy.duplicate_similarity
    assert similarity("3栋电梯坏了", "3号楼电梯坏了") > policy.duplicate_similarity
    assert similarity("3栋电梯坏了", "5栋电梯异响") < policy.duplicate_similarity  # another lift
    assert similarity("电梯坏了", "路灯不亮") == 0 and similarity("", "x") == 0


def test_duplicates(world, policy):
    with world.db.session() as s:
        first = file_need(s, policy, world.resident, draft(world), now=T0)
        file_need(s, policy, world.resident, draft(world, category="repair", description="1栋电梯坏了需要维修"), now=T0)
        later = T0 + timedelta(hours=5)
        found = find_duplicates(s, policy, world.units["MY01"], "elevator", "1栋电梯又坏了，老人困在里面", now=later)
        assert [n.id for n in found] == [first.id]
        assert find_duplicates(s, policy, world.units["MY01"], "elevator", "门口路灯不亮", now=later) == []
        assert find_duplicates(s, policy, world.units["MY01"], "leak", "1栋电梯坏了，有老人困在里面", now=later) == []
        assert find_duplicates(s, policy, world.units["MY02"], "elevator", "1栋电梯坏了，有老人困在里面", now=later) == []
        outside = T0 + policy.duplicate_window + timedelta(minutes=1)
        assert find_duplicates(s, policy, world.units["MY01"], "elevator", "1栋电梯坏了，有老人困在里面", now=outside) == []
        # the same building and category in other words: a duplicate by place, whatever the text says
        words = "轿厢一直停在三楼不动，按钮没反应"
        assert find_duplicates(s, policy, world.units["MY01"], "elevator", words, now=later) == []
        assert [n.id for n in find_duplicates(s, policy, world.units["MY01"], "elevator", words, now=later,
                                              building_id=world.units["MY01-1"])] == [first.id]


def test_intake_reads_english_emergencies_and_urgency(policy):
    from assistant.needs.freetext import load_rules, looks_like_need, prefill

    rules = load_rules()
    for text, category, urgent, building in (
            ("The lift in building 2 has been broken for two days", "elevator", False, 2),
            ("4栋燃气管道有味道，怀疑燃气泄漏", "emergency", True, 4),
            ("Someone is trapped in the lift in block 5!", "emergency", True, 5),
            ("2单元门禁坏了，很紧急", "repair", True, None)):
        assert looks_like_need(text, policy, rules), text
        found = prefill(text, policy)
        assert (found.category, found.urgent, found.building_no) == (category, urgent, building), text
    for question in ("How many committee members does a branch need?", "小区党支部设几名委员？",
                     "What should we do if there is a gas leak?"):
        assert not looks_like_need(question, policy, rules), question
    assert policy.is_emergency("emergency") and not policy.is_emergency("elevator")
    assert [n.number for n in policy.emergency_numbers][:3] == ["119", "110", "120"]


def test_join(world, policy):
    with world.db.session() as s:
        first = file_need(s, policy, world.resident, draft(world), now=T0)
        joined = join_need(s, first.id, world.neighbour, "我家老人也被困过", policy=policy, now=T0 + timedelta(hours=1))
        assert joined.id == first.id and joined.updated_at == T0 + timedelta(hours=1)
        # the joined report counts when looking for duplicates
        assert find_duplicates(s, policy, world.units["MY01"], "elevator", "我家老人也被困过", now=T0 + timedelta(hours=2))
        with pytest.raises(NotAllowed):
            join_need(s, first.id, world.other_leader, "也坏了", policy=policy, now=T0)
        events = detail(s, first.id, world.neighbour).events  # a joiner may see the need
    assert [(e.kind, e.actor_name, e.note) for e in events][-1] == ("joined", "李师傅", "我家老人也被困过")


def test_view_is_usable_after_the_session(world, policy):
    with world.db.session() as s:
        view = file_need(s, policy, world.resident, draft(world), now=T0)
    assert view.compound_name == "梅园新村" and view.is_open and view.overdue(T0 + timedelta(hours=3)) == "accept"
    with pytest.raises(Exception):
        view.status = "closed"  # frozen
    assert isinstance(replace(draft(world), urgency="normal"), NeedDraft)


@pytest.mark.parametrize("text", ["😭😭😭😭😭", "？？！！。。。", "🔥🔥 !!! 🔥🔥", "…… ~~~~"])
def test_a_description_of_emoji_or_punctuation_only_is_refused(policy, text):
    assert filing.description_error(policy, text) == "need.err.description_no_words"
    assert filing.description_error(policy, "电梯坏了😭😭") is None  # words with emoji are fine


def test_the_entrance_is_stored_with_its_building(world, policy):
    with world.db.session() as s:
        view = file_need(s, policy, world.resident, draft(world, entrance=2), now=T0)
        assert (view.building_name, view.entrance) == ("1栋", 2)
        assert s.get(Need, view.id).entrance == 2
        for bad in (dict(entrance=0), dict(entrance=100), dict(entrance=2, building_id=None)):
            assert [f for f, _ in validate_draft(policy, draft(world, **bad), s)] == ["entrance"], bad
