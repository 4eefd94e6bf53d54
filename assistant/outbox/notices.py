"""Notices in the outbox: queued with the change that causes them (same session), one row per recipient
account, rendered in the recipient's language with its buttons as data; sent by the outbox job."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..storage.models import OutboxNotice
from . import retry

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


class Recipient(Protocol):
    person_id: int
    channel: str
    external_id: str
    language_code: str | None


def language(code: str | None) -> str:
    """The catalogue language of a Telegram language code."""
    return "en" if (code or "").lower().startswith("en") else "zh"


def queue(session: Session, kind: str, recipients: Iterable[Recipient], render: Callable[[str], str],
          buttons: Callable[[str], Buttons] | None = None, *, channel: str, now: datetime) -> list[int]:
    """A pending row per recipient account on `channel` (others are skipped); returns the row ids."""
    rows = []
    for r in recipients:
        if r.channel != channel:
            continue
        lang = language(r.language_code)
        rows.append(OutboxNotice(kind=kind, person_id=r.person_id, channel=channel, external_id=r.external_id,
                                 language=lang, text=render(lang),
                                 buttons=[[list(b) for b in row] for row in buttons(lang)] if buttons else None,
                                 status=retry.PENDING, attempts=0, next_attempt_at=now, created_at=now))
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


@dataclass(frozen=True)
class Outgoing:
    """A notice to send."""

    id: int
    person_id: int
    external_id: str
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    attempts: int


def due(session: Session, now: datetime, limit: int = 100, ids: Iterable[int] | None = None) -> list[Outgoing]:
    """Pending notices due now (only `ids`, when given), oldest first."""
    query = select(OutboxNotice).where(OutboxNotice.status == retry.PENDING, OutboxNotice.next_attempt_at <= now)
    if ids is not None:
        query = query.where(OutboxNotice.id.in_(list(ids)))
    query = query.order_by(OutboxNotice.next_attempt_at, OutboxNotice.id).limit(limit)
    return [Outgoing(n.id, n.person_id, n.external_id, n.text,
                     tuple(tuple((label, data) for label, data in row) for row in n.buttons or ()), n.attempts)
            for n in session.scalars(query)]


def claim(session: Session, notice_id: int, now: datetime, settings: Settings) -> bool:
    """Take the notice for one send attempt (False: not due, or another sender has it)."""
    return retry.claim(session, OutboxNotice, notice_id, now, settings)


def record(session: Session, notice_id: int, now: datetime, settings: Settings, **outcome) -> str:
    """Save the outcome of an attempt (retry.settle's keywords); returns the new status."""
    status = retry.settle(session.get(OutboxNotice, notice_id), now, settings, **outcome)
    session.flush()
    return status

