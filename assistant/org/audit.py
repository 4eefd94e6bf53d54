"""The audit trail of administrative changes: role grants and revocations, invites, imports, task-list and
resource changes, policy files loaded changed (read back by auditlog.py). `record` writes one event in the caller's session, so it commits (or rolls back) with the
change itself. Before/after never hold an ID number (身份证号): such keys are dropped, such values masked."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage.models import AuditEvent, utcnow

ACTIONS = ("role_grant", "role_revoke", "role_move", "invite_create", "invite_redeem", "org_import",
           "people_import", "tasks_set", "tasks_remove", "resource_add", "resource_deactivate", "policy_load")
ID_KEYS = frozenset({"id_number", "id_card", "identity_number", "身份证", "身份证号", "身份证号码"})
ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
SUBJECT_MAX = 200


def scrub(value: Any) -> Any:
    """The value without ID numbers: keys naming one are dropped, digit runs shaped like one masked."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if str(k).lower() not in ID_KEYS}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return ID_NUMBER.sub(lambda m: "*" * len(m.group()), value)
    return value


def record(session: Session, action: str, *, actor_id: int | None = None, unit_id: int | None = None,
           subject: str = "", before: Any = None, after: Any = None, now: datetime | None = None) -> None:
    """Append one event (actor None = the trusted command line) in the current transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEvent(at=now or utcnow(), actor_id=actor_id, action=action, unit_id=unit_id,
                           subject=scrub(subject or "")[:SUBJECT_MAX], before=scrub(before), after=scrub(after)))
    session.flush()


def record_policies(session: Session, files: Mapping[str, Path], now: datetime | None = None) -> bool:
    """Record the policy files a starting bot or chat loaded when any differs (by SHA-256) from the ones the
    last such event recorded (the first start records them all); True when an event was written."""
    loaded = {name: {"file": str(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
              for name, path in files.items()}
    last = session.scalars(select(AuditEvent).where(AuditEvent.action == "policy_load")
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    before = last.after if last is not None else None
    if before == loaded:
        return False
    changed = [name for name in loaded if (before or {}).get(name) != loaded[name]]
    record(session, "policy_load", subject=", ".join(changed), before=before, after=loaded, now=now)
    return True
