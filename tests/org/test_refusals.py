"""Why an action is refused (`why_not`) and what a person may do anywhere (`actions_of`)."""
from __future__ import annotations

from assistant.org.people import bind_role, create_person
from assistant.org.permissions import ACTIONS, actions_of, why_not
from assistant.org.tree import add_unit, find_unit


def test_no_organisation_comes_first(db):
    with db.session() as s:
        nobody = create_person(s, "某人")
        assert why_not(s, None, "view_reports") == "no_org"
        assert why_not(s, nobody.id, "view_reports") == "no_org"


def test_not_registered_wrong_role_wrong_unit(tree):
    with tree.session() as s:
        resident = create_person(s, "居民甲")
        bind_role(s, resident, "resident", find_unit(s, "MY01-1"))
        empty = add_unit(s, "新建社区", "community", find_unit(s, "澄江街道"))
        coordinator = create_person(s, "新社区协调员")
        bind_role(s, coordinator, "community", empty)
        assert why_not(s, None, "invite") == "not_registered"
        assert why_not(s, resident.id, "invite") == "role"
        assert why_not(s, coordinator.id, "register_flow_in") == "unit"  # the role may, but not there


def test_actions_of_follow_the_roles(tree):
    with tree.session() as s:
        resident = create_person(s, "居民甲")
        bind_role(s, resident, "resident", find_unit(s, "MY01-1"))
        admin = create_person(s, "管理员")
        bind_role(s, admin, "admin", find_unit(s, "宣州区"))
        assert actions_of(s, None) == {"ask"}
        assert actions_of(s, resident.id) == {"ask", "view_unit", "submit_need"}
        assert actions_of(s, admin.id) == set(ACTIONS)
