"""Invites: valid, expired, reused, wrong codes, rate limiting, creator limits, whoami."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from assistant.org.invites import (ALPHABET, InviteNotAllowed, Outcome, create_invite, normalise_code, redeem,
                                        whoami)
from assistant.org.tree import find_unit
from assistant.org.people import bind_role, create_person

T0 = datetime(2020, 6, 1, 9, 0, tzinfo=timezone.utc)


def make(session, cfg, role="building_leader", unit="MY01-1", **kwargs):
    return create_invite(session, cfg, role, find_unit(session, unit), now=T0, **kwargs)


def test_valid_invite_creates_person_and_binds(tree, cfg):
    with tree.session() as s:
        invite = make(s, cfg, name="陈楼长")
        code = invite.code
        assert len(code) == 8 and set(code) <= set(ALPHABET)
        assert invite.expires_at == T0 + timedelta(days=7)
    with tree.session() as s:
        assert whoami(s, "telegram", 42) is None
        result = redeem(s, cfg, code.lower()[:4] + "-" + code[4:], "telegram", 42, "zh-hans", now=T0 + timedelta(days=1))
        assert result.outcome == Outcome.OK and result.ok
        assert result.person.name == "陈楼长"
        assert (result.binding.role, result.binding.unit.code) == ("building_leader", "MY01-1")
    assert (result.person_name, result.role, result.unit_name) == ("陈楼长", "building_leader", "1栋")
    assert result.unit_path == "宣州区 > 澄江街道 > 梅园社区 > 梅园新村 > 1栋"
    with tree.session() as s:
        me = whoami(s, "telegram", "42")
        assert whoami(s, "terminal", "42") is None
    assert me.name == "陈楼长" and me.role_names == ["building_leader"] and me.language_code == "zh-hans"
    assert [(v.role, v.unit_name, v.unit_level) for v in me.roles] == [("building_leader", "1栋", "building")]
    assert isinstance(me.person_id, int) and isinstance(me.account_id, int)


def test_codes_work_once(tree, cfg):
    with tree.session() as s:
        code = make(s, cfg).code
    with tree.session() as s:
        assert redeem(s, cfg, code, "telegram", 1, now=T0).outcome == Outcome.OK
    with tree.session() as s:
        assert redeem(s, cfg, code, "telegram", 2, now=T0).outcome == Outcome.USED
        assert redeem(s, cfg, code, "telegram", 1, now=T0).outcome == Outcome.USED
        assert whoami(s, "telegram", 2) is None


def test_expired(tree, cfg):
    with tree.session() as s:
        code = make(s, cfg).code
    with tree.session() as s:
        later = T0 + timedelta(days=cfg.invite_ttl_days)
        assert redeem(s, cfg, code, "telegram", 1, now=later).outcome == Outcome.EXPIRED
        assert redeem(s, cfg, code, "telegram", 1, now=later - timedelta(seconds=1)).outcome == Outcome.OK


def test_wrong_code_and_rate_limit(tree, cfg):
    with tree.session() as s:
        code = make(s, cfg).code
    limit = cfg.invite_max_failures
    with tree.session() as s:
        for i in range(limit):
            result = redeem(s, cfg, "WRONG" + str(i), "telegram", 7, now=T0 + timedelta(minutes=i))
            assert result.outcome == Outcome.UNKNOWN and result.failures_left == limit - i - 1
    with tree.session() as s:
        soon = T0 + timedelta(minutes=limit)
        assert redeem(s, cfg, code, "telegram", 7, now=soon).outcome == Outcome.RATE_LIMITED
        assert redeem(s, cfg, "ALSOWRONG", "telegram", 7, now=soon).outcome == Outcome.RATE_LIMITED
        assert redeem(s, cfg, "WRONG", "telegram", 8, now=soon).outcome == Outcome.UNKNOWN  # per account
        assert redeem(s, cfg, "WRONG", "terminal", 7, now=soon).outcome == Outcome.UNKNOWN  # per channel
    with tree.session() as s:
        after = T0 + timedelta(minutes=limit - 1 + cfg.invite_failure_window_minutes)
        assert redeem(s, cfg, code, "telegram", 7, now=after).outcome == Outcome.OK  # the window has passed


def test_rate_limit_only_after_limit(tree, cfg):
    with tree.session() as s:
        code = make(s, cfg).code
    with tree.session() as s:
        for _ in range(cfg.invite_max_failures - 1):
            redeem(s, cfg, "NOPE", "telegram", 9, now=T0)
        assert redeem(s, cfg, code, "telegram", 9, now=T0).outcome == Outcome.OK


def test_global_limit_over_many_accounts(tree, cfg, caplog):
    """Guessing from many accounts, each under its own limit: the global limit stops every redemption (the
    right code too) until its window has moved on; reaching it is logged without the codes."""
    cfg = cfg.model_copy(update={"invite_global_max_failures": 6, "invite_global_window_minutes": 30})
    with tree.session() as s:
        code = make(s, cfg).code
    with tree.session() as s, caplog.at_level("WARNING", logger="assistant.invites"):
        for account in range(6):  # 3 accounts x 2 wrong codes: each below the per-account limit of 5
            result = redeem(s, cfg, f"GUESS{account}", "telegram", 100 + account % 3, now=T0 + timedelta(minutes=account))
            assert result.outcome == Outcome.UNKNOWN
        soon = T0 + timedelta(minutes=6)
        assert redeem(s, cfg, code, "telegram", 200, now=soon).outcome == Outcome.RATE_LIMITED
        assert redeem(s, cfg, "GUESSX", "telegram", 201, now=soon).outcome == Outcome.RATE_LIMITED
    assert [r.getMessage() for r in caplog.records] == [
        "invite codes: 6 wrong in 30 min from all accounts; every redemption waits"]
    assert not any("GUESS" in r.getMessage() or "100" in r.getMessage() for r in caplog.records)
    with tree.session() as s:  # the window has moved past the first wrong code
        assert redeem(s, cfg, code, "telegram", 200, now=T0 + timedelta(minutes=30, seconds=1)).outcome == Outcome.OK


def test_account_reaching_its_limit_is_logged(tree, cfg, caplog):
    with tree.session() as s, caplog.at_level("WARNING", logger="assistant.invites"):
        for i in range(cfg.invite_max_failures + 1):
            redeem(s, cfg, f"SECRET{i}", "telegram", 77, now=T0)
    assert [r.getMessage() for r in caplog.records] == [
        f"invite codes: {cfg.invite_max_failures} wrong in {cfg.invite_failure_window_minutes} min from one "
        "telegram account; it waits"]


def test_invite_for_existing_person_and_second_role(tree, cfg):
    with tree.session() as s:
        person = create_person(s, "周委员", "13500000000", party_member=True)
        first = make(s, cfg, role="branch_member", unit="MY01", person=person).code
        second = make(s, cfg, role="building_leader", unit="MY01-2").code
        third = make(s, cfg, role="resident", unit="MY01-3", person=create_person(s, "别人")).code
    with tree.session() as s:
        assert redeem(s, cfg, first, "telegram", 5, now=T0).person.name == "周委员"
        assert redeem(s, cfg, second, "telegram", 5, now=T0).person.name == "周委员"  # the account's person
        assert redeem(s, cfg, third, "telegram", 5, now=T0).outcome == Outcome.OTHER_PERSON
        me = whoami(s, "telegram", 5)
        assert me.role_names == ["branch_member", "building_leader"] and me.phone == "13500000000"


def test_unnamed_invite_uses_display_name(tree, cfg):
    with tree.session() as s:
        code = make(s, cfg, role="resident", unit="JT01-2").code
    with tree.session() as s:
        assert redeem(s, cfg, code, "terminal", "alice", now=T0, display_name="Alice").person.name == "Alice"


def test_creator_limits(tree, cfg):
    with tree.session() as s:
        secretary = create_person(s, "梅园新村书记")
        bind_role(s, secretary, "branch_secretary", find_unit(s, "MY01"))
        resident = create_person(s, "居民")
        bind_role(s, resident, "resident", find_unit(s, "MY01-1"))
        assert make(s, cfg, role="building_leader", unit="MY01-2", created_by=secretary).created_by == secretary.id
        with pytest.raises(InviteNotAllowed):
            make(s, cfg, role="building_leader", unit="JT01-1", created_by=secretary)  # another compound
        with pytest.raises(InviteNotAllowed):
            make(s, cfg, role="community", unit="梅园社区", created_by=secretary)  # above own level
        with pytest.raises(InviteNotAllowed):
            make(s, cfg, role="resident", unit="MY01-1", created_by=resident)  # residents do not invite
        with pytest.raises(ValueError):
            make(s, cfg, role="building_leader", unit="MY01")  # wrong level for the role


def test_normalise_code():
    assert normalise_code(" ab3d-7kq9 ") == "AB3D7KQ9"


def test_concurrent_redemption_binds_once(tree, cfg):
    from concurrent.futures import ThreadPoolExecutor

    with tree.session() as s:
        code = make(s, cfg).code

    def attempt(account):
        with tree.session() as s:
            return redeem(s, cfg, code, "telegram", account, now=T0).outcome

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(100, 108)))
    assert outcomes.count(Outcome.OK) == 1 and outcomes.count(Outcome.USED) == 7
