"""Coordinator digests (issue 7): periods, scope and the context every section computes from.

Every number comes from SQL aggregation (COUNT / SUM(CASE …) / GROUP BY) over the indexes of revision 0006;
Python only adds up the grouped rows. A section is one entry of `sections.SECTIONS`: a compute
function returning data or None (nothing to say) and a render function (render.py); build.py assembles them.

The rates (the formulas are also in /digest_help and the README):
  响应率 = needs accepted by their accept deadline / needs whose accept deadline fell in the period (so far)
  解决率 = return visits answered "solved" / return visits answered in the period
  满意率 = return visits answered 满意 or 基本满意 / return visits answered in the period
  按期办结率 = needs resolved by their resolve deadline / needs whose resolve deadline fell in the period (so far)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..messages import t
from ..org.tree import breadcrumb
from ..storage.models import LEVELS, Need, OrgUnit

PERIODS: tuple[str, ...] = ("today", "yesterday", "week", "lastweek", "month")
PERIOD_ALIASES = {"今天": "today", "今日": "today", "昨天": "yesterday", "昨日": "yesterday", "本周": "week",
                  "周": "week", "近7天": "week", "上周": "lastweek", "本月": "month", "月": "month", "近30天": "month"}
DIGEST_LEVELS: tuple[str, ...] = ("district", "street", "community", "compound")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; `days` are the local calendar days it touches (for the chart)."""

    key: str
    start: datetime
    end: datetime
    days: tuple[date, ...]

    def label(self, zone: ZoneInfo, lang: str | None = None) -> str:
        last = (self.end - timedelta(microseconds=1)).astimezone(zone)
        return t("digest.period", lang, name=t(f"digest.period.{self.key}", lang),
                 start=self.start.astimezone(zone).strftime("%m-%d %H:%M"), end=last.strftime("%m-%d %H:%M"))


def parse_period(text: str | None) -> str:
    """A period key from user input (today/week/…, 今天/本周/…); Invalid when unknown."""
    key = (text or "today").strip().lower()
    key = PERIOD_ALIASES.get(key, key)
    if key not in PERIODS:
        raise Invalid("digest.err.period", given=text, known=" / ".join(PERIODS))
    return key


def period_bounds(key: str, now: datetime, zone: ZoneInfo) -> Period:
    """today: since local midnight; yesterday; week / month: the last 7 / 30 local days including today;
    lastweek: the previous Monday–Sunday."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), zone)
    start, end = {
        "today": (midnight, local),
        "yesterday": (midnight - timedelta(days=1), midnight),
        "week": (midnight - timedelta(days=6), local),
        "month": (midnight - timedelta(days=29), local),
        "lastweek": (midnight - timedelta(days=local.weekday() + 7), midnight - timedelta(days=local.weekday())),
    }[parse_period(key)]
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    utc = ZoneInfo("UTC")
    return Period(key, start.astimezone(utc), end.astimezone(utc), days)


@dataclass(frozen=True)
class Scope:
    """The unit a digest covers: its compounds (None = every compound there is), and how needs roll up to
    its sub-units (compound id → child unit id; for a compound, needs group by building instead)."""

    unit_id: int
    name: str
    path: str
    level: str
    breadcrumb: str
    compound_ids: tuple[int, ...] | None
    sub_of_compound: dict[int, int]
    sub_names: dict[int, str]

    def where(self, column=Need.compound_id):
        """The SQL condition putting a need (by its compound) in scope; None when everything is."""
        return None if self.compound_ids is None else column.in_(self.compound_ids)

    @property
    def by_building(self) -> bool:
        return self.level == "compound"


def scope_of(session: Session, unit_id: int) -> Scope:
    """The scope of a digest for the unit (district, street, community or compound)."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise Invalid("digest.err.unit", given=unit_id)
    if unit.level not in DIGEST_LEVELS:
        raise Invalid("digest.err.level", level=t(f"org.level.{unit.level}"))
    below = select(OrgUnit.id, OrgUnit.path, OrgUnit.level, OrgUnit.name, OrgUnit.parent_id).where(
        OrgUnit.path.startswith(unit.path, autoescape=True),
        OrgUnit.level.in_(LEVELS[unit.depth + 1:LEVELS.index("compound") + 1] or ("compound",)))
    rows = session.execute(below).all()
    children = {r.id: r.name for r in rows if r.parent_id == unit.id}
    depth = unit.path.count("/") - 1  # "/1/4/" has the child id at path index depth
    compounds = {r.id: r.path for r in rows if r.level == "compound"} if unit.level != "compound" else {unit.id: unit.path}
    sub_of = {cid: int(path.strip("/").split("/")[depth]) for cid, path in compounds.items() if unit.level != "compound"}
    if unit.level == "compound":
        children = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.parent_id == unit.id)).all())
    everything = unit.level != "compound" and session.scalar(
        select(func.count()).select_from(OrgUnit).where(OrgUnit.level == "compound")) == len(compounds)
    return Scope(unit.id, unit.name, unit.path, unit.level, breadcrumb(session, unit),
                 None if everything else tuple(sorted(compounds)), sub_of, children)


@dataclass(frozen=True)
class Context:
    """What a section's compute function gets."""

    session: Session
    scope: Scope
    period: Period
    now: datetime
    policies: Any  # assistant.policies.Policies
    top_n: int
    hotspot_min: int

    @property
    def needs_policy(self):
        return self.policies.needs

    @property
    def party_policy(self):
        return self.policies.party

    @property
    def until(self) -> datetime:
        """The end of the period, never in the future."""
        return min(self.period.end, self.now)
