"""The permission matrix's world: the example district (inside) and a mirror district 外区 (outside), each with
one person per role and the same kit — a resident's need with a consented phone, a flow-in party member with a
case and points, a member waiting for a check-in decision, a resource, a property contract.

Every role's actor is bound at the inside unit of its level (梅园新村 and its 1栋 / 1单元101室 below the
community); its mirror twin at the outside one. The mirror district lies outside every role's subtree (admins,
who act everywhere, are not in the matrix), so everything in it is "another unit's". `Side.twins` pairs each
inside id of the kit with its outside twin, which is how a forged button is made from a real one.

`outside_rows` is what an action outside scope would change: every row of the mirror district's units, of the
people known only there (their roles, current and pending check-ins), and every row referring to one of those,
transitively through the foreign keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from assistant.needs.filing import NeedDraft, file_need
from assistant.needs.resources import add_resource
from assistant.org.people import bind_role, create_person, mask_phone
from assistant.org.tree import add_unit, find_unit
from assistant.party import cases, checkins, points
from assistant.policy import load_needs_policy
from assistant.policy.loader import load_party_policy
from assistant.property.evaluations import add_company, add_contract
from assistant.storage.models import ChannelAccount, CheckIn, OrgUnit, Person, RoleBinding
from assistant.storage.models.base import Base
from .world import recorded_long_ago

ROLE_LEVEL = {"district": "district", "street": "street", "community": "community",
              "branch_secretary": "compound", "branch_member": "compound", "property_liaison": "compound",
              "owners_committee": "compound", "building_leader": "building", "household_cadre": "household",
              "resident": "household"}
ROLES = tuple(ROLE_LEVEL)
SUFFIX = "甲乙丙丁戊己庚辛壬癸子丑寅卯"  # one name each, none a part of another
OUTSIDE_COMPOUND = "外区新村"
MIRROR = (("district", "外区", None, "WQ"), ("street", "外区街道", "WQ", "WQ1"), ("community", "外区社区", "WQ1", "WQ11"),
          ("compound", OUTSIDE_COMPOUND, "WQ11", "WQ01"), ("building", "1栋", "WQ01", "WQ01-1"),
          ("building", "2栋", "WQ01", "WQ01-2"), ("household", "1单元101室", "WQ01-1", "WQ01-101"))
INSIDE = {"district": "341802", "street": "341802001", "community": "341802001001", "compound": "MY01",
          "building": "MY01-1", "building2": "MY01-2"}


@dataclass
class Side:
    """One district's actors (role -> (chat id, person id)), units (level -> id), kit (name -> id) and the
    chats of the kit's people (name -> chat id)."""

    prefix: str
    units: dict[str, int]
    actors: dict[str, tuple[int, int]] = field(default_factory=dict)
    kit: dict[str, int] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # person id -> name
    phones: dict[int, str] = field(default_factory=dict)

    def chat(self, role: str) -> int:
        return self.actors[role][0]

    @property
    def all_chats(self) -> set[int]:
        return {chat for chat, _ in self.actors.values()} | set(self.chats.values())


def _person(s, side: Side, n: int, role: str | None, unit_id: int | None, chat: int | None) -> int:
    name = f"{side.prefix}{SUFFIX[n]}"
    phone = f"{'139' if side.prefix == '梅园' else '137'}00{n:06d}"
    person = create_person(s, name, phone)
    if role:
        bind_role(s, person, role, s.get(OrgUnit, unit_id))
    if chat:
        s.add(ChannelAccount(channel="telegram", external_id=str(chat), person=person, language_code="zh-hans"))
    s.flush()
    side.names[person.id], side.phones[person.id] = name, phone
    return person.id


def _kit(s, side: Side, admin_id: int, chat_base: int) -> None:
    """The kit of one side (the actors are already there)."""
    needs_policy, party = load_needs_policy(), load_party_policy()
    u = side.units
    side.chats = {"member": chat_base + 50, "waiting": chat_base + 51}
    member = side.kit["member"] = _person(s, side, 11, None, None, side.chats["member"])
    checkins.register_flow_in(s, admin_id, member, u["compound"], u["building"], work_unit="宣城市某局")
    side.kit["waiting"] = _person(s, side, 12, "resident", u["building2"], side.chats["waiting"])
    overdue = side.kit["overdue"] = _person(s, side, 13, "resident", u["building2"], None)  # never checked in
    person = s.get(Person, overdue)
    person.party_member, person.work_unit = True, "宣城市某局"
    resident = side.actors["resident"][1]
    need = file_need(s, needs_policy, resident, NeedDraft(
        compound_id=u["compound"], building_id=u["building"], category="elevator", urgency="normal",
        description=f"{side.prefix}需求：1栋电梯坏了，住户电话{side.phones[resident]}，身份证34180219900307123X",
        resident_name=side.names[resident], resident_phone=side.phones[resident], consent=True))
    side.kit["need"] = need.id
    side.kit["case"] = cases.open_case(s, party, admin_id, member, party.case_types[0].id, "不按规定停车，占用消防通道").id
    side.kit["points"] = points.record_points(s, party, admin_id, member, party.activities[0].id, date.today()).id
    side.kit["resource"] = add_resource(s, f"{side.prefix}志愿服务队", u["compound"], ["elevator"],
                                        contact=side.phones[member], policy=needs_policy).id
    company = side.kit["company"] = add_company(s, f"{side.prefix}物业").id
    side.kit["contract"] = add_contract(s, company, u["compound"], date.today() - timedelta(days=60)).id


def build(db, chat_base_inside: int = 1000, chat_base_outside: int = 2000) -> tuple[Side, Side, int]:
    """The two sides (on the example tree, which must be there) and the admin's person id."""
    with db.session() as s:
        inside = Side("梅园", {level: find_unit(s, ref).id for level, ref in INSIDE.items()})
        inside.units["household"] = find_unit(s, "1单元101室").id
        made: dict[str, OrgUnit] = {}
        for level, name, parent, code in MIRROR:
            made[code] = add_unit(s, name, level, made.get(parent), code)
        outside = Side("外区", {"district": made["WQ"].id, "street": made["WQ1"].id, "community": made["WQ11"].id,
                              "compound": made["WQ01"].id, "building": made["WQ01-1"].id,
                              "building2": made["WQ01-2"].id, "household": made["WQ01-101"].id})
        admin = create_person(s, "管理员")
        bind_role(s, admin, "admin", s.get(OrgUnit, inside.units["district"]))
        for side, base in ((inside, chat_base_inside), (outside, chat_base_outside)):
            for n, role in enumerate(ROLES):
                side.actors[role] = (base + n, _person(s, side, n, role, side.units[ROLE_LEVEL[role]], base + n))
            _kit(s, side, admin.id, base)
        recorded_long_ago(s)  # the 2020 check-in deadline binds them: overdue lists (and their buttons) are shown
        return inside, outside, admin.id


def twins(inside: Side, outside: Side) -> dict[int, set[int]]:
    """Inside id -> the ids of its outside twins (an id can stand for rows of several tables)."""
    pairs: dict[int, set[int]] = {}
    for a, b in [*zip(inside.units.values(), outside.units.values()), *zip(inside.kit.values(), outside.kit.values()),
                 *((inside.actors[r][1], outside.actors[r][1]) for r in ROLES)]:
        pairs.setdefault(a, set()).add(b)
    return pairs


def markers(outside: Side) -> set[str]:
    """What another unit's residents look like in a message: their names and phones, in full and masked."""
    found = set(outside.names.values()) | set(outside.phones.values())
    return found | {mask_phone(p) for p in outside.phones.values()} | {f"{outside.prefix}需求"}


def _places(s, person_id: int) -> set[int]:
    units = set(s.scalars(select(RoleBinding.unit_id).where(RoleBinding.person_id == person_id)))
    current = checkins.current_checkin(s, person_id)
    pending = s.scalars(select(CheckIn.compound_id).where(CheckIn.person_id == person_id, CheckIn.status == "pending"))
    return units | ({current.compound_id} if current else set()) | {c for c in pending if c}


def outside_rows(db, outside: Side, own_checkins_of: int | None = None) -> dict[tuple, tuple]:
    """(table, key) -> row for every row belonging to the outside district (see the module docstring); the
    check-ins of `own_checkins_of` are left out (a member checks in where they live, clause 5)."""
    with db.session(read_only=True) as s:
        unit_ids = set(s.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(
            s.get(OrgUnit, outside.units["district"]).path))))
        persons = {pid for pid in s.scalars(select(Person.id)) if (p := _places(s, pid)) and p <= unit_ids}
        tables = {t.name: (t, [tuple(r) for r in s.execute(select(t))]) for t in Base.metadata.sorted_tables}
    marked: dict[str, set] = {"org_units": unit_ids, "persons": persons}
    rows: dict[tuple, tuple] = {}
    grew = True
    while grew:
        grew = False
        for name, (table, found) in tables.items():
            columns = [c.name for c in table.columns]
            keys = [columns.index(c.name) for c in table.primary_key.columns] or list(range(len(columns)))
            for row in found:
                key = tuple(row[i] for i in keys)
                if (name, key) in rows or name == "checkins" and row[columns.index("person_id")] == own_checkins_of:
                    continue
                seeded = len(keys) == 1 and key[0] in marked.get(name, ())
                if seeded or any(row[columns.index(fk.parent.name)] in marked.get(fk.column.table.name, ())
                                 for fk in table.foreign_keys):
                    rows[(name, key)] = row
                    marked.setdefault(name, set()).add(key[0] if len(keys) == 1 else key)
                    grew = True
    return rows
