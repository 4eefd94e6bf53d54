"""Needs fixtures: the example tree with a cast of people, the shipped policy and a fixed clock.

`world` binds (on top of tests/conftest.py's `tree`, so every test runs on SQLite and PostgreSQL):
    admin        admin at 宣州区                 district    district at 宣州区
    street       street at 澄江街道               community   community at 梅园社区
    secretary    branch_secretary at 梅园新村     member      branch_member at 梅园新村
    liaison      property_liaison at 梅园新村     leader      building_leader at 梅园新村 1栋
    other_leader building_leader at 锦绣华庭 1栋   other_secretary branch_secretary at 锦绣华庭
    resident     resident at 梅园新村 1栋 1单元101室 (phone, Telegram account "resident-tg", language en)
    neighbour    resident at 梅园新村 1栋
Every person has a Telegram account "<key>-tg".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from assistant.needs.filing import NeedDraft
from assistant.org.people import bind_role, create_person
from assistant.org.tree import find_unit
from assistant.policy import load_needs_policy
from assistant.storage.models import ChannelAccount, OrgUnit

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai

CAST = [
    ("admin", "管理员", "admin", "宣州区"),
    ("district", "区委联系人", "district", "宣州区"),
    ("street", "街道协调员", "street", "澄江街道"),
    ("community", "社区协调员", "community", "梅园社区"),
    ("secretary", "梅园书记", "branch_secretary", "MY01"),
    ("member", "梅园委员", "branch_member", "MY01"),
    ("liaison", "物业联络员", "property_liaison", "MY01"),
    ("leader", "一栋楼长", "building_leader", "MY01-1"),
    ("other_leader", "锦绣楼长", "building_leader", "MY02-1"),
    ("other_secretary", "锦绣书记", "branch_secretary", "MY02"),
    ("resident", "张阿姨", "resident", "1单元101室"),
    ("neighbour", "李师傅", "resident", "MY01-1"),
]


@dataclass
class World:
    db: object
    people: dict[str, int]
    units: dict[str, int]

    def __getattr__(self, key: str) -> int:
        people = self.__dict__.get("people", {})
        if key in people:
            return people[key]
        raise AttributeError(key)


@pytest.fixture(scope="session")
def policy():
    return load_needs_policy()


@pytest.fixture
def world(tree) -> World:
    people: dict[str, int] = {}
    with tree.session() as s:
        for key, name, role, unit in CAST:
            person = create_person(s, name, f"139{len(people):08d}")
            bind_role(s, person, role, find_unit(s, unit))
            s.add(ChannelAccount(channel="telegram", external_id=f"{key}-tg", person=person,
                                 language_code="en" if key == "resident" else "zh-hans"))
            s.flush()
            people[key] = person.id
        units = {u.code or u.name: u.id for u in s.scalars(select(OrgUnit))}
    return World(tree, people, units)


def draft(world: World, **overrides) -> NeedDraft:
    """A valid lift need in 梅园新村 1栋 (override any field)."""
    fields = dict(compound_id=world.units["MY01"], building_id=world.units["MY01-1"], category="elevator",
                  description="1栋电梯坏了，有老人困在里面", urgency="urgent", resident_name="张阿姨",
                  resident_phone="13812345678", consent=True, photo_file_id=None)
    fields.update(overrides)
    return NeedDraft(**fields)


LONG_AGO = datetime(2019, 1, 1, tzinfo=timezone.utc)


def recorded_long_ago(session) -> None:
    """Every person as recorded before the directive's initial check-in deadline (2020-06-30), so that deadline
    binds them; people created in a test are otherwise recorded today and get the policy's months from today."""
    from sqlalchemy import update

    from assistant.storage.models import Person

    session.execute(update(Person).values(created_at=LONG_AGO))
