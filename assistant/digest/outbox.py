"""Scheduled digests: which slots are due (by the runtime's clock), who gets one, and the SQL outbox that
keeps every digest until it is sent (outbox.retry: claimed, retried with backoff, then kept as `failed`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..messages import t
from ..org.permissions import ACTIONS, ADMIN, bindings
from ..outbox import retry
from ..storage.models import (
    ChannelAccount,
    DigestDelivery,
    DigestRun,
    DigestSubscription,
    RoleBinding,
    utcnow,
)
from . import context as digests
from ..textlimits import split
from .build import Narrator, build, narrative, render

CHUNK_SEPARATOR = "\n\x1e\n"  # between text chunks in DigestDelivery.text


@dataclass(frozen=True)
class Slot:
    """One firing of a schedule: "daily" at 08:30 on 2026-11-26 sends the `yesterday` digest to `levels`."""

    name: str
    at: datetime
    period: str
    levels: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}:{self.at.isoformat(timespec='minutes')}"


def schedules(settings: Settings) -> list[tuple[str, object, tuple[int, ...], str, tuple[str, ...]]]:
    """(name, local time, ISO weekdays, period, levels) of each schedule."""
    return [("daily", settings.digest_daily_at, (1, 2, 3, 4, 5, 6, 7), "yesterday", settings.digest_daily_levels),
            ("weekly", settings.digest_weekly_at, settings.digest_weekly_days, "lastweek", settings.digest_weekly_levels)]


START = "start"  # the DigestRun marking when scheduling began on this database


def started_at(session: Session, now: datetime) -> datetime:
    """When scheduled digests began on this database (recorded by the first call): earlier slots never fire,
    so a new installation does not send the digests of slots before it ran."""
    row = session.get(DigestRun, START)
    if row is None:
        row = DigestRun(slot=START, recipients=0, created_at=now)
        session.add(row)
        session.flush()
    return row.created_at


def due_slots(settings: Settings, now: datetime, zone: ZoneInfo, since: datetime | None = None) -> list[Slot]:
    """The latest firing of each schedule at or before `now`, if within the catch-up window and not before
    `since`."""
    local = now.astimezone(zone)
    window = timedelta(hours=settings.digest_catchup_hours)
    found = []
    for name, at, days, period, levels in schedules(settings):
        for back in range(8):
            day = local.date() - timedelta(days=back)
            fire = datetime.combine(day, at, zone)
            if day.isoweekday() in days and fire <= local:
                if local - fire <= window and (since is None or fire >= since):
                    found.append(Slot(name, fire, period, tuple(levels)))
                break
    return found


def digest_unit(session: Session, person_id: int):
    """The outermost unit where the person may read reports or is admin (their digest's scope), or None."""
    allowed = ACTIONS["view_reports"] | {ADMIN}
    units = [b.unit for b in bindings(session, person_id)
             if b.role in allowed and b.unit.level in digests.DIGEST_LEVELS]
    return min(units, key=lambda u: (len(u.path), u.id)) if units else None


def set_enabled(session: Session, person_id: int, enabled: bool) -> None:
    """Turn the person's scheduled digests on or off."""
    row = session.get(DigestSubscription, person_id) or DigestSubscription(person_id=person_id)
    row.enabled, row.updated_at = enabled, utcnow()
    session.add(row)
    session.flush()


def recipients(session: Session, levels: tuple[str, ...], channel: str) -> list[tuple[int, int, ChannelAccount]]:
    """(person id, unit id, account) for everyone whose digest unit is at one of `levels`, not switched off."""
    off = set(session.scalars(select(DigestSubscription.person_id).where(DigestSubscription.enabled.is_(False))))
    found = []
    coordinators = select(RoleBinding.person_id).where(RoleBinding.role.in_(ACTIONS["view_reports"]))
    readers = (select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.person_id.in_(coordinators))
               .order_by(ChannelAccount.id))
    for account in session.scalars(readers):
        if account.person_id in off:
            continue
        unit = digest_unit(session, account.person_id)
        if unit is not None and unit.level in levels:
            found.append((account.person_id, unit.id, account))
    return found


@dataclass(frozen=True)
class Built:
    """One recipient's digest of a slot, ready for the outbox."""

    person_id: int
    channel: str
    external_id: str
    unit_id: int
    text: str
    chart_png: bytes | None
    caption: str


def build_slot(session: Session, slot: Slot, now: datetime, settings: Settings, policies, channel: str,
               narrate: Narrator | None = None) -> list[Built] | None:
    """Every recipient's digest of the slot (one build per unit and language; with a `narrate`or, each opens
    with its checked narrative), or None when the slot was already queued. Only reads: run it in a read-only
    session, then `store_slot`."""
    if session.get(DigestRun, slot.key) is not None:
        return None
    cache: dict[tuple[int, str], tuple[str, bytes | None, str]] = {}
    built = []
    for person_id, unit_id, account in recipients(session, slot.levels, channel):
        lang = "en" if (account.language_code or "").startswith("en") else "zh"
        if (unit_id, lang) not in cache:
            d = build(session, unit_id, slot.period, now, policies, top_n=settings.digest_top_n,
                      hotspot_min=settings.digest_hotspot_min)
            caption = t("digest.caption", lang, unit=d.unit_name, period=d.period.label(d.zone, lang))
            story = narrative(d, lang, narrate)
            text = render(d, lang, policies.needs, story)
            from .charts import digest_png  # matplotlib loads with the first chart, not with the bot (~0.5 s)

            cache[(unit_id, lang)] = (CHUNK_SEPARATOR.join(split(text)),
                                      digest_png(d, lang, policies.needs, settings.digest_font_file), caption)
        built.append(Built(person_id, channel, account.external_id, unit_id, *cache[(unit_id, lang)]))
    return built


def store_slot(session: Session, slot: Slot, built: list[Built], now: datetime) -> int:
    """Queue a slot's digests in the outbox once; returns how many (0 when another run took the slot)."""
    if session.get(DigestRun, slot.key) is not None:
        return 0
    session.add_all(DigestDelivery(slot=slot.key, person_id=b.person_id, channel=b.channel, external_id=b.external_id,
                                   unit_id=b.unit_id, period=slot.period, text=b.text, chart_png=b.chart_png,
                                   caption=b.caption, next_attempt_at=now, created_at=now) for b in built)
    session.add(DigestRun(slot=slot.key, recipients=len(built), created_at=now))
    try:
        session.flush()
    except IntegrityError:  # another worker took the slot first
        session.rollback()
        return 0
    return len(built)


@dataclass(frozen=True)
class Outgoing:
    """A delivery to (continue to) send: parts are text chunks then the chart; `parts_sent` already went."""

    id: int
    person_id: int
    external_id: str
    chunks: tuple[str, ...]
    chart_png: bytes | None
    caption: str | None
    parts_sent: int
    attempts: int


def pending(session: Session, now: datetime, limit: int = 100) -> list[Outgoing]:
    """Deliveries due now, oldest first."""
    query = (select(DigestDelivery).where(DigestDelivery.status == "pending", DigestDelivery.next_attempt_at <= now)
             .order_by(DigestDelivery.next_attempt_at, DigestDelivery.id).limit(limit))
    return [Outgoing(d.id, d.person_id, d.external_id, tuple(d.text.split(CHUNK_SEPARATOR)), d.chart_png, d.caption,
                     d.parts_sent, d.attempts) for d in session.scalars(query)]


def claim(session: Session, delivery_id: int, now: datetime, settings: Settings) -> bool:
    """Take the delivery for one send attempt (False: not due, or another sender has it)."""
    return retry.claim(session, DigestDelivery, delivery_id, now, settings)


def record(session: Session, delivery_id: int, parts_sent: int, now: datetime, settings: Settings, **outcome) -> str:
    """Save progress and the outcome of an attempt (retry.settle's keywords; a sent digest drops its chart
    bytes). Returns the new status."""
    row = session.get(DigestDelivery, delivery_id)
    row.parts_sent = parts_sent
    if retry.settle(row, now, settings, **outcome) == retry.SENT:
        row.chart_png = None
    session.flush()
    return row.status
