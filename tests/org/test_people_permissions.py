"""Phone masking and the subtree rule of `can`."""
from __future__ import annotations

import pytest

from assistant.org.tree import find_unit
from assistant.org.people import (bind_role, create_person, display_phone, find_person, get_or_create_person,
                                       mask_phone, roles_of, unbind_role)
from assistant.org.permissions import ACTIONS, can


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"),
    ("+8613812345678", "+86*******5678"),
    ("05632345678", "056****5678"),
    ("2345678", "*****78"),
    ("1234", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def people(session):
    unit = lambda key: find_unit(session, key)  # noqa: E731
    admin = create_person(session, "管理员", "13900000000")
    street = create_person(session, "街道书记", "13900000001")
    secretary = create_person(session, "梅园新村书记", "138 1234 5678")
    resident = create_person(session, "居民甲", "13700000000")
    bind_role(session, admin, "admin", unit("宣州区"))
    bind_role(session, street, "street", unit("澄江街道"))
    bind_role(session, secretary, "branch_secretary", unit("MY01"))
    bind_role(session, resident, "resident", unit("MY01-1"))
    return admin, street, secretary, resident, unit


def test_display_phone(tree):
    with tree.session() as session:
        admin, street, secretary, resident, _ = people(session)
        assert secretary.phone == "13812345678"
        assert display_phone(secretary, secretary) == "13812345678"
        assert display_phone(secretary, admin) == "13812345678"
        assert display_phone(secretary, street) == "138****5678"
        assert display_phone(secretary, resident) == "138****5678"
        assert display_phone(secretary, None) == "138****5678"


def test_secretary_acts_only_in_own_compound(tree):
    with tree.session() as session:
        admin, street, secretary, resident, unit = people(session)
        own, other = unit("MY01"), unit("JT01")
        assert can(session, secretary, "view_unit", own)
        assert can(session, secretary, "invite", unit("MY01-2"))
        assert can(session, secretary, "handle_need", own.id)
        assert not can(session, secretary, "view_unit", other)
        assert not can(session, secretary, "invite", other)
        assert not can(session, secretary, "view_unit", unit("梅园社区"))  # not upwards either
        assert not can(session, secretary, "manage_org", own)
        assert can(session, street, "manage_org", other) and can(session, street, "invite", unit("JT01-2"))
        assert not can(session, street, "view_unit", unit("宣州区"))
        for action in ACTIONS:
            assert can(session, admin, action, other)


def test_ranks_and_anyone(tree):
    with tree.session() as session:
        admin, street, secretary, resident, unit = people(session)
        assert can(session, None, "ask") and can(session, resident, "ask")
        assert not can(session, None, "view_unit", unit("MY01"))
        assert can(session, resident, "view_unit", unit("MY01-1"))
        assert not can(session, resident, "view_unit", unit("MY01-2"))
        assert not can(session, resident, "invite", unit("MY01-1"))
        assert can(session, secretary, "invite", unit("MY01-1"), role="building_leader")
        assert can(session, secretary, "invite", unit("MY01"), role="branch_member")
        assert not can(session, secretary, "invite", unit("MY01"), role="admin")
        assert not can(session, street, "invite", unit("宣州区"), role="district")
        assert can(session, street, "invite", unit("梅园社区"), role="community")
        assert can(session, secretary, "invite")  # anywhere at all
        assert not can(session, resident, "invite")
        with pytest.raises(ValueError):
            can(session, admin, "launch_rockets", unit("MY01"))


def test_bind_role_rules(tree):
    with tree.session() as session:
        person = create_person(session, "楼栋长乙", "13600000000", party_member=True)
        first = bind_role(session, person, "building_leader", find_unit(session, "MY01-1"))
        assert bind_role(session, person, "building_leader", find_unit(session, "MY01-1")) is first
        with pytest.raises(ValueError):
            bind_role(session, person, "building_leader", find_unit(session, "MY01"))
        with pytest.raises(ValueError):
            bind_role(session, person, "mayor", find_unit(session, "MY01"))
        bind_role(session, person, "branch_member", find_unit(session, "MY01"))
        assert [b.role for b in roles_of(person)] == ["branch_member", "building_leader"]
        assert unbind_role(session, person, "branch_member", find_unit(session, "MY01"))
        assert [b.role for b in roles_of(person)] == ["building_leader"]
        assert find_person(session, "136-0000-0000") is person
        assert find_person(session, "楼栋长乙") is person
        assert find_person(session, person.id) is person
        assert get_or_create_person(session, "别名", "13600000000") is person
        with pytest.raises(ValueError):
            create_person(session, "  ")
