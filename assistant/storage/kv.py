"""A JSON key-value store by namespace, and once-only processing of channel updates.

Every function works inside the caller's session; the caller commits (e.g. `with db.session() as s:`).
Writes are single upserts (INSERT … ON CONFLICT) so concurrent writers never collide.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import KeyValue, ProcessedUpdate, utcnow


def _insert(session: Session, model):
    """A dialect-specific INSERT supporting ON CONFLICT, or None when the dialect has none."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model)
    return None


def get(session: Session, namespace: str, key: str, default: Any = None) -> Any:
    """The value stored under (namespace, key), or `default`."""
    row = session.execute(
        select(KeyValue.value).where(KeyValue.namespace == namespace, KeyValue.key == key)
    ).first()
    return default if row is None else row[0]


def get_all(session: Session, namespace: str) -> dict[str, Any]:
    """Every key of a namespace and its value."""
    rows = session.execute(select(KeyValue.key, KeyValue.value).where(KeyValue.namespace == namespace))
    return {key: value for key, value in rows}


def put(session: Session, namespace: str, key: str, value: Any) -> None:
    """Store a JSON-serialisable value, replacing any previous one."""
    now = utcnow()
    stmt = _insert(session, KeyValue)
    if stmt is not None:
        stmt = stmt.values(namespace=namespace, key=key, value=value, updated_at=now)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[KeyValue.namespace, KeyValue.key],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        ))
        return
    row = session.scalars(select(KeyValue).where(KeyValue.namespace == namespace, KeyValue.key == key)).first()
    if row is None:
        session.add(KeyValue(namespace=namespace, key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    session.flush()


def delete(session: Session, namespace: str, key: str) -> bool:
    """Remove a key; True when it existed."""
    result = session.execute(sql_delete(KeyValue).where(KeyValue.namespace == namespace, KeyValue.key == key))
    return result.rowcount > 0


def clear(session: Session, namespace: str) -> int:
    """Remove every key of a namespace; returns how many."""
    return session.execute(sql_delete(KeyValue).where(KeyValue.namespace == namespace)).rowcount


def prune(session: Session, namespace: str, before: datetime) -> int:
    """Remove the keys of a namespace last written before `before`; returns how many."""
    return session.execute(sql_delete(KeyValue).where(KeyValue.namespace == namespace,
                                                      KeyValue.updated_at < before)).rowcount


def is_processed(session: Session, channel: str, update_id: int) -> bool:
    """Whether the update was recorded as handled (by `mark_processed`)."""
    return session.execute(select(ProcessedUpdate.id).where(
        ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == int(update_id))).first() is not None


def mark_processed(session: Session, channel: str, update_id: int) -> bool:
    """Record an update as handled: True the first time, False when it was already recorded.

    Race-safe through the unique (channel, update_id) constraint; concurrent callers get exactly one True
    once their transactions commit.
    """
    values = {"channel": channel, "update_id": int(update_id), "processed_at": utcnow()}
    stmt = _insert(session, ProcessedUpdate)
    if stmt is not None:
        stmt = stmt.values(**values).on_conflict_do_nothing(
            index_elements=[ProcessedUpdate.channel, ProcessedUpdate.update_id]
        ).returning(ProcessedUpdate.id)
        return session.execute(stmt).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(ProcessedUpdate).values(**values))
    except IntegrityError:
        return False
    return True


def prune_processed(session: Session, before: datetime) -> int:
    """Forget updates handled before `before` (Telegram redelivers for at most 24 h); returns how many."""
    return session.execute(sql_delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)).rowcount
