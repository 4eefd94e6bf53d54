"""Claiming and retrying outbox rows, shared by the digest and notice tables (same status columns).

A sender claims a row before sending it (a conditional UPDATE: of two senders, one wins); the claim pushes
`next_attempt_at` a lease ahead, so a sender killed mid-send leaves the row to be retried after the lease
(at least once, never dropped). A failure is retried after Telegram's RetryAfter or an exponential backoff,
until `outbox_max_attempts` or a permanent failure (blocked bot, unknown chat) makes it `failed`."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..config import Settings

PENDING, SENT, FAILED = "pending", "sent", "failed"
ERROR_MAX = 1000


def claim(session: Session, model, row_id: int, now: datetime, settings: Settings) -> bool:
    """Take the row for one send attempt; False when it is not due or another sender has it."""
    taken = session.execute(update(model).where(model.id == row_id, model.status == PENDING,
                                                model.next_attempt_at <= now)
                            .values(next_attempt_at=now + timedelta(seconds=settings.outbox_lease_seconds)))
    return taken.rowcount == 1


def settle(row, now: datetime, settings: Settings, *, error: str | None = None, retry_after: float | None = None,
           permanent: bool = False) -> str:
    """Record one attempt on the row: sent (no error), or failed and due again after `retry_after` or the
    backoff, or `failed` for good. Returns the new status."""
    if error is None:
        row.status, row.sent_at = SENT, now
        return row.status
    row.attempts += 1
    row.last_error = error[:ERROR_MAX]
    delay = retry_after if retry_after is not None else settings.outbox_retry_seconds * 2 ** (row.attempts - 1)
    row.next_attempt_at = now + timedelta(seconds=delay)
    if permanent or row.attempts >= settings.outbox_max_attempts:
        row.status = FAILED
    return row.status
