"""The notice outbox in SQL (both databases): queued per recipient language with buttons as data, claimed by
one sender only, retried with backoff or after RetryAfter, failed for good when permanent or at the last
attempt; the deadline job's notices queued in the same transaction as the move, to the right people."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assistant.config import Settings
from assistant.needs import alerts
from assistant.needs.filing import file_need
from assistant.needs.handling import accept, record_visit, resolve
from assistant.needs.queries import Recipient, recipients
from assistant.outbox import notices
from assistant.storage.models import OutboxNotice

from ..helpers.world import T0, draft

H = timedelta(hours=1)
SETTINGS = Settings(outbox_retry_seconds=60, outbox_max_attempts=3, outbox_lease_seconds=120)


def queue_one(world, person="resident", buttons=None) -> int:
    with world.db.session() as s:
        account = Recipient(world.people[person], "telegram", f"{person}-tg", "en" if person == "resident" else "zh")
        ids = notices.queue(s, "test", [account, Recipient(world.secretary, "terminal", "x", None)],
                            lambda lang: f"hello {lang}", buttons, channel="telegram", now=T0)
    assert len(ids) == 1  # the terminal account is not this channel's
    return ids[0]


def attempt(world, notice_id, now, **outcome) -> str | None:
    """One sender's attempt: the status after it, or None when the claim was refused."""
    with world.db.session() as s:
        if not notices.claim(s, notice_id, now, SETTINGS):
            return None
    with world.db.session() as s:
        return notices.record(s, notice_id, now, SETTINGS, **outcome)


def test_queued_in_the_recipients_language_with_buttons_as_data(world):
    notice_id = queue_one(world, buttons=lambda lang: [[(f"ok {lang}", "nc:visit:1")]])
    with world.db.session() as s:
        [due] = notices.due(s, T0)
        assert (due.id, due.person_id, due.external_id, due.text) == (notice_id, world.resident, "resident-tg", "hello en")
        assert due.buttons == ((("ok en", "nc:visit:1"),),)
        assert notices.due(s, T0 - H) == []  # not due before it was queued


def test_one_claim_wins_and_a_sent_notice_is_never_due_again(world):
    notice_id = queue_one(world)
    with world.db.session() as s:
        assert notices.claim(s, notice_id, T0, SETTINGS)
    with world.db.session() as s:
        assert not notices.claim(s, notice_id, T0, SETTINGS)  # a second sender (or run) is refused
        assert notices.due(s, T0) == []
    with world.db.session() as s:  # a sender killed after its claim: the lease runs out, the row is due again
        assert [n.id for n in notices.due(s, T0 + timedelta(seconds=121))] == [notice_id]
    assert attempt(world, notice_id, T0 + timedelta(seconds=121)) == "sent"
    assert attempt(world, notice_id, T0 + 10 * H) is None


def test_backoff_retry_after_and_the_last_attempt(world):
    notice_id = queue_one(world)
    assert attempt(world, notice_id, T0, error="NetworkError: boom") == "pending"
    assert attempt(world, notice_id, T0 + timedelta(seconds=59)) is None  # backoff: 60 s
    assert attempt(world, notice_id, T0 + timedelta(seconds=60), error="RetryAfter", retry_after=5) == "pending"
    with world.db.session() as s:
        row = s.get(OutboxNotice, notice_id)
        assert row.next_attempt_at == T0 + timedelta(seconds=65) and row.attempts == 2 and row.last_error == "RetryAfter"
    assert attempt(world, notice_id, T0 + timedelta(seconds=65), error="NetworkError: boom") == "failed"  # 3rd of 3
    assert attempt(world, notice_id, T0 + 100 * H) is None


def test_a_permanent_failure_is_not_retried(world):
    notice_id = queue_one(world)
    assert attempt(world, notice_id, T0, error="Forbidden: bot was blocked by the user", permanent=True) == "failed"
    with world.db.session() as s:
        assert notices.due(s, T0 + 100 * H) == [] and s.get(OutboxNotice, notice_id).attempts == 1


def queued_to(world) -> dict[str, set[int]]:
    with world.db.session() as s:
        rows = s.execute(select(OutboxNotice.kind, OutboxNotice.person_id)).all()
    found: dict[str, set[int]] = {}
    for kind, person in rows:
        found.setdefault(kind, set()).add(person)
    return found


def test_escalation_notices_are_queued_with_the_move_and_reach_the_branch_it_left(world, policy):
    with world.db.session() as s:
        need = file_need(s, policy, world.resident, draft(world), now=T0)  # urgent: 2 h to accept
    assert alerts.run_escalation(world.db, policy, T0 + 2 * H, "telegram")[0] == 1  # 1栋 → 梅园新村
    assert world.secretary in queued_to(world)["escalation"]
    with world.db.session() as s:
        s.execute(OutboxNotice.__table__.delete())
    moved, ids = alerts.run_escalation(world.db, policy, T0 + 5 * H, "telegram")  # 梅园新村 → 梅园社区
    told = queued_to(world)["escalation"]
    assert moved == 1 and len(ids) == len(told) and {world.secretary, world.member, world.community} <= told
    with world.db.session() as s:
        texts = {n.text for n in s.scalars(select(OutboxNotice).where(OutboxNotice.person_id == world.resident))}
    assert any(need.ticket in text and "梅园社区" in text for text in texts)  # English: the resident's language
    assert alerts.run_escalation(world.db, policy, T0 + 5 * H, "telegram") == (0, [])  # never twice
    assert alerts.run_escalation(world.db, policy, T0 + 9 * H, None)[1] == []  # the terminal: moved, not queued


def test_deadline_warnings_are_queued_once(world, policy):
    with world.db.session() as s:
        file_need(s, policy, world.resident, draft(world), now=T0)
    warned, ids = alerts.run_warnings(world.db, policy, T0 + 1.6 * H, "telegram")
    assert warned == 1 and queued_to(world) == {"deadline": {world.liaison}} and len(ids) == 1
    assert alerts.run_warnings(world.db, policy, T0 + 1.7 * H, "telegram") == (0, [])


def test_closing_tells_the_submitter_the_assignees_and_whoever_resolved_it(world, policy):
    with world.db.session() as s:
        need = file_need(s, policy, world.resident, draft(world), now=T0)
        accept(s, need.id, world.liaison, now=T0 + H)
        resolve(s, need.id, world.community, "社区协调维保单位修好了", now=T0 + 2 * H)  # a coordinator resolved it
        record_visit(s, need.id, world.secretary, True, True, "satisfied", now=T0 + 3 * H, policy=policy)  # by phone
        told = {r.person_id for r in recipients(s, need.id, "closed", exclude_person_id=world.secretary)}
    assert {world.resident, world.liaison, world.community} <= told and world.secretary not in told
