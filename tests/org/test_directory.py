"""People administration and the audit trail in the domain: one way to name a person, coordinators limited
to their subtree and rank, phones masked for all but admins, every change audited in its own transaction."""
from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.config import Settings
from assistant.errors import NotAllowed, NotFound
from assistant.needs.resources import add_resource, deactivate_resource
from assistant.needs.tasklist import remove_route, set_route
from assistant.org import audit, directory
from assistant.org.auditlog import events
from assistant.org.invites import create_invite, redeem
from assistant.org.people import AmbiguousPerson, bind_role, create_person, find_person
from assistant.org.tree import find_unit
from assistant.storage.models import Person, utcnow


def test_a_shared_name_or_phone_is_never_a_silent_pick(world):
    with world.db.session() as s:
        first = create_person(s, "张三", "13800000001")
        second = create_person(s, "张三", "13800000002")
        for person in (first, second):
            bind_role(s, person, "resident", find_unit(s, "MY01-1"))
        assert find_person(s, "13800000002") is second and find_person(s, str(first.id)) is first
        with pytest.raises(AmbiguousPerson) as caught:
            find_person(s, "张三")
        assert [p.id for p in caught.value.candidates] == [first.id, second.id]
        assert find_person(s, "张三", among={second.id}) is second
        text = directory.ambiguous_text(s, world.community, AmbiguousPerson("张三", [first, second]))
        assert f"编号 {first.id}：张三 138****0001" in text


def test_coordinators_see_their_subtree_with_masked_phones_admins_everything(world):
    with world.db.session() as s:
        mine = {v.name: v for v in directory.list_people(s, world.community)}
        assert {"一栋楼长", "梅园书记", "张阿姨"} <= mine.keys() and "锦绣楼长" in mine  # 锦绣华庭 is in 梅园社区 too
        assert "街道协调员" not in mine and mine["一栋楼长"].phone == "139****0007"
        assert mine["社区协调员"].phone == "13900000003"  # one's own phone in full
        secretary = {v.name for v in directory.list_people(s, world.secretary)}
        assert "锦绣楼长" not in secretary and "一栋楼长" in secretary
        every = {v.name: v for v in directory.list_people(s, world.admin)}
        assert every["一栋楼长"].phone == "13900000007" and "街道协调员" in every
        with pytest.raises(NotAllowed):
            directory.list_people(s, world.leader)
        with pytest.raises(NotFound):
            directory.resolve(s, world.secretary, "锦绣楼长")


def test_revoke_within_subtree_and_rank_is_audited(world):
    with world.db.session() as s:
        with pytest.raises(NotFound):  # not bound in the secretary's compound: not even visible
            directory.revoke(s, world.secretary, world.community, "community")
        bind_role(s, s.get(Person, world.community), "resident", find_unit(s, "MY01-1"))
        with pytest.raises(NotAllowed):  # visible now, but the community role is above and outside the compound
            directory.revoke(s, world.secretary, world.community, "community")
        with pytest.raises(NotAllowed):  # a building leader manages nobody
            directory.revoke(s, world.leader, world.neighbour, "resident")
        with pytest.raises(NotFound):
            directory.revoke(s, world.other_secretary, world.leader, "building_leader")
        removed = directory.revoke(s, world.secretary, world.leader, "building_leader")
        assert removed.unit_name == "1栋" and directory.show(s, None, world.leader).roles == ()
        last = events(s)[-1]
    assert (last.action, last.actor_id, last.subject) == ("role_revoke", world.secretary, "一栋楼长")
    assert last.before["role"] == "building_leader" and last.unit_path.endswith("梅园新村 > 1栋")


def test_move_a_role_to_another_building(world):
    with world.db.session() as s:
        moved = directory.move(s, None, world.leader, "building_leader", find_unit(s, "MY01-2").id)
        assert moved.unit_name == "2栋"
        with pytest.raises(ValueError):
            directory.move(s, None, world.leader, "building_leader", find_unit(s, "MY01").id)
        last = events(s)[-1]
    assert last.action == "role_move" and last.before["unit"].endswith("1栋") and last.after["unit"].endswith("2栋")


def test_invites_task_list_and_resources_are_audited(world, policy):
    settings = Settings()
    with world.db.session() as s:
        actor = s.get(Person, world.community)
        invite = create_invite(s, settings, "building_leader", find_unit(s, "MY01-2"), created_by=actor, name="新楼长")
        assert redeem(s, settings, invite.code, "telegram", "new-leader").outcome == "ok"
        compound = find_unit(s, "MY01").id
        set_route(s, compound, "leak", "property_company", "梅园物业", [world.liaison], policy=policy,
                  actor_id=world.community)
        set_route(s, compound, "leak", "property_company", "新物业", [world.liaison], policy=policy,
                  actor_id=world.community)
        remove_route(s, compound, "leak", actor_id=world.community)
        resource = add_resource(s, "水电维修队", compound, ["leak"], policy=policy, created_by=world.secretary)
        deactivate_resource(s, resource.id, world.secretary)
        trail = [(e.action, e.actor_id) for e in events(s, since=utcnow() - timedelta(minutes=5))]
        changed = [e for e in events(s) if e.action == "tasks_set"][-1]
        stored = repr([(e.before, e.after) for e in events(s)])
    assert trail[-8:] == [("invite_create", world.community), ("role_grant", world.community),
                          ("invite_redeem", trail[-6][1]), ("tasks_set", world.community),
                          ("tasks_set", world.community), ("tasks_remove", world.community),
                          ("resource_add", world.secretary), ("resource_deactivate", world.secretary)]
    assert changed.before["party_label"] == "梅园物业" and changed.after["party_label"] == "新物业"
    assert invite.code not in stored


def test_the_trail_is_written_in_the_changes_transaction_and_keeps_no_id_numbers(world):
    with pytest.raises(RuntimeError):
        with world.db.session() as s:
            directory.revoke(s, None, world.leader, "building_leader")
            raise RuntimeError("the change fails after the event was written")
    with world.db.session() as s:
        assert directory.show(s, None, world.leader).roles  # still bound: the revocation rolled back …
        assert not [e for e in events(s) if e.action == "role_revoke"]  # … and its event with it
        audit.record(s, "people_import", subject="342501199001011234 的名单",
                     after={"身份证号": "342501199001011234", "id_number": "x", "note": "证件 34250119900101123X"})
        last = events(s, find_unit(s, "梅园社区").id)
        everything = events(s)[-1]
    assert all(e.unit_path.startswith("宣州区 > 澄江街道 > 梅园社区") for e in last)
    assert everything.after == {"note": "证件 ******************"} and "3425" not in everything.subject


def test_a_policy_file_changed_since_the_last_start_is_recorded(world, tmp_path):
    from assistant.policies import Policies

    needs = tmp_path / "needs.yaml"
    needs.write_bytes(Policies.files(Settings()).get("needs").read_bytes())
    files = Policies.files(Settings(needs_policy_file=needs))
    with world.db.session() as s:
        assert audit.record_policies(s, files)  # the first start: every file
        assert not audit.record_policies(s, files)  # started again, nothing changed: nothing written
        needs.write_text(needs.read_text(encoding="utf-8") + "\n# 受理时限按区里新规调整\n", encoding="utf-8")
        assert audit.record_policies(s, files)
        trail = [e for e in events(s) if e.action == "policy_load"]
    assert len(trail) == 2 and trail[-1].subject == "needs" and trail[-1].actor_name is None
    assert trail[-1].before["needs"]["sha256"] != trail[-1].after["needs"]["sha256"]
    assert trail[-1].after["needs"]["file"] == str(needs) and set(trail[0].after) == {"needs", "party", "rubric", "intake"}
