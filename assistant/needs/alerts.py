"""The deadline job's notices (临期预警 and escalations), queued in the outbox in the same transaction as the
move up the chain or the mark that a warning went: a crash after the commit cannot lose the notice, and a
crash before it loses neither. `channel` None (the terminal) moves and marks without queueing."""
from __future__ import annotations

from datetime import datetime

from ..messages import t, zone_name
from ..outbox import notices
from ..policy import NeedsPolicy
from .escalation import DeadlineWarning, EscalationView, escalate_due, warn_due
from .queries import recipients

TIME = "%m-%d %H:%M"


def escalation_text(e: EscalationView, policy: NeedsPolicy, lang: str) -> str:
    """The notice of one move up the chain."""
    notice = t("escalation.notice", lang, ticket=e.need.ticket, deadline=t(f"need.deadline.{e.deadline_kind}", lang),
                due=e.deadline_at.astimezone(policy.zone).strftime(TIME), from_unit=e.from_unit_name,
                to_unit=e.to_unit_name, zone=zone_name(policy.zone, lang))
    return notice + "\n" + t("needcard.open_hint", lang, id=e.need.id)


def warning_text(w: DeadlineWarning, policy: NeedsPolicy, now: datetime, lang: str) -> str:
    """The 临期预警 of one deadline."""
    left = max(0, int((w.due - now).total_seconds() // 60))
    return t("deadline.warning", lang, ticket=w.need.ticket, deadline=t(f"need.deadline.{w.kind}", lang),
             due=w.due.astimezone(policy.zone).strftime(TIME), hours=left // 60, minutes=left % 60,
             description=w.need.description[:60]) + "\n" + t("needcard.open_hint", lang, id=w.need.id)


def run_escalation(db, policy: NeedsPolicy, now: datetime, channel: str | None) -> tuple[int, list[int]]:
    """The periodic job's escalation: every overdue need moved up and its notices queued, in one transaction
    (`db` is the storage Database). Returns (needs moved, outbox ids to send)."""
    with db.session() as session:
        moved = escalate_due(session, policy, now)
        ids = []
        for e in moved if channel else ():
            ids += notices.queue(session, "escalation", recipients(session, e.need.id, "escalated"),
                                 lambda lang, e=e: escalation_text(e, policy, lang), channel=channel, now=now)
        return len(moved), ids


def run_warnings(db, policy: NeedsPolicy, now: datetime, channel: str | None) -> tuple[int, list[int]]:
    """The periodic job's 临期预警: marked once per deadline and queued, in one transaction. Returns (warnings,
    outbox ids to send)."""
    with db.session() as session:
        warnings = warn_due(session, policy, now)
        ids = []
        for w in warnings if channel else ():
            ids += notices.queue(session, "deadline", w.recipients, lambda lang, w=w: warning_text(w, policy, now, lang),
                                 channel=channel, now=now)
        return len(warnings), ids
