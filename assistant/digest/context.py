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

import re
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

PERIODS: tuple[str, ...] = ("today", "yesterday", "week", "lastweek", "month", "lastmonth", "quarter", "last7", "last30")
PERIOD_ALIASES = {"今天": "today", "今日": "today", "昨天": "yesterday", "昨日": "yesterday", "本周": "week",
                  "周": "week", "上周": "lastweek", "本月": "month", "月": "month", "上月": "lastmonth",
                  "本季度": "quarter", "季度": "quarter", "本季": "quarter", "近7天": "last7", "7天": "last7",
                  "近30天": "last30", "30天": "last30"}
RANGE_SEPARATORS = re.compile(r"\s*(?:\.\.|~|～|至|到|—|--)\s*")
RANGE_MAX_DAYS = 400  # a date range covers at most this many days (a year and a bit, for annual reports)
DIGEST_LEVELS: tuple[str, ...] = ("district", "street", "community", "compound")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; `days` are the local calendar days it touches (for the chart). `key` is one of
    PERIODS or a date range "YYYY-MM-DD..YYYY-MM-DD"."""

    key: str
    start: datetime
    end: datetime
    days: tuple[date, ...]

    @property
    def is_range(self) -> bool:
        return ".." in self.key

    def label(self, zone: ZoneInfo, lang: str | None = None) -> str:
        last = (self.end - timedelta(microseconds=1)).astimezone(zone)
        if self.is_range:
            return t("digest.period.range", lang, start=self.days[0].isoformat(), end=self.days[-1].isoformat())
        return t("digest.period", lang, name=t(f"digest.period.{self.key}", lang),
                 start=self.start.astimezone(zone).strftime("%m-%d %H:%M"), end=last.strftime("%m-%d %H:%M"))


DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _day(text: str, given: str) -> date:
    found = DAY.fullmatch(text.strip())
    if found is None:
        raise Invalid("digest.err.range_day", given=given, day=text.strip())
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        raise Invalid("digest.err.range_no_day", day=text.strip()) from None


def parse_period(text: str | None, until: str | None = None) -> str:
    """A period key from user input: today/week/…, 今天/本周/上月/…, or a date range given as
    "2026-11-01..2026-11-30" (also ~ 至 到) or as two dates (`until`); Invalid when it is none of these."""
    key = (text or "today").strip().lower()
    if until is not None or RANGE_SEPARATORS.search(key) or DAY.fullmatch(key):
        parts = [key, until.strip()] if until is not None else RANGE_SEPARATORS.split(key, maxsplit=1)
        start, end = _day(parts[0], text), _day(parts[-1], text)
        if end < start:
            raise Invalid("digest.err.range_order", start=start.isoformat(), end=end.isoformat())
        if (end - start).days + 1 > RANGE_MAX_DAYS:
            raise Invalid("digest.err.range_long", days=RANGE_MAX_DAYS)
        return f"{start.isoformat()}..{end.isoformat()}"
    key = PERIOD_ALIASES.get(key, key)
    if key not in PERIODS:
        raise Invalid("digest.err.period", given=text, known=" / ".join(PERIODS))
    return key


def _calendar(key: str, local: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    day = lambda d: datetime.combine(d, time(0), zone)
    today = local.date()
    if ".." in key:
        first, last = (date.fromisoformat(d) for d in key.split(".."))
        return day(first), day(last + timedelta(days=1))
    month_start = today.replace(day=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_month_start = (month_start - timedelta(days=1)).replace(day=1)
    monday = today - timedelta(days=today.weekday())
    return {
        "today": (day(today), local),
        "yesterday": (day(today - timedelta(days=1)), day(today)),
        "week": (day(monday), local),
        "lastweek": (day(monday - timedelta(days=7)), day(monday)),
        "month": (day(month_start), local),
        "lastmonth": (day(last_month_start), day(month_start)),
        "quarter": (day(quarter_start), local),
        "last7": (day(today - timedelta(days=6)), local),
        "last30": (day(today - timedelta(days=29)), local),
    }[key]


def period_bounds(key: str, now: datetime, zone: ZoneInfo) -> Period:
    """Calendar periods: today (since local midnight), yesterday, week (本周, since Monday), lastweek (the previous
    Monday–Sunday), month (本月, since the 1st), lastmonth (上月), quarter (本季度, since its first day); rolling
    ones: last7 / last30 (the last 7 / 30 local days including today); or a date range, both days included."""
    start, end = _calendar(parse_period(key), now.astimezone(zone), zone)
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    utc = ZoneInfo("UTC")
    return Period(parse_period(key), start.astimezone(utc), end.astimezone(utc), days)


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
