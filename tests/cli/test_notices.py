"""`assistant notices --json` as a real subprocess on SQLite and PostgreSQL: a case swept unrectified is listed with
its text, without the work unit contact's phone."""
from __future__ import annotations

import json
from datetime import date, timedelta

from assistant.party.cases import sweep_overdue
from assistant.policy.loader import load_party_policy

from ..helpers.world import T0, world  # noqa: F401  (world: a fixture)
from ..party.test_cases import CONTACT, opened


def test_notices_json_lists_the_swept_case_without_the_contact(assistant, world):
    party = load_party_policy()
    with world.db.session() as s:
        _, case = opened(world, party, s, deadline=date(2026, 12, 31))
        assert sweep_overdue(s, party, date(2027, 1, 1), now=T0 + timedelta(days=36))
    listed = assistant("notices", "--json")
    assert listed.returncode == 0, listed.stderr
    notices = json.loads(listed.stdout)
    assert [n["case_id"] for n in notices] == [case.id]
    assert notices[0]["member_name"] == "违规党员" and notices[0]["deadline"] == "2026-12-31"
    assert "违规党员" in notices[0]["text"] and "contact" not in notices[0]
    assert CONTACT not in listed.stdout and CONTACT[3:] not in listed.stdout
    assert json.loads(assistant("notices", "--json", "--unit", "敬亭社区").stdout) == []  # another community's
