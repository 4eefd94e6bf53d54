"""Coordinator digests (issue 7): periods, scope, and the digest built from a list of sections.

Every number comes from SQL aggregation (COUNT / SUM(CASE …) / GROUP BY) over the indexes of revision 0006;
Python only adds up the grouped rows. A section is one entry of `digest_sections.SECTIONS`: a compute
function returning data or None (nothing to say) and a render function; adding a section is one entry.

The rates (the formulas are also in /digest_help and the README):
  响应率 = needs accepted by their accept deadline / needs whose accept deadline fell in the period (so far)
  解决率 = return visits answered "solved" / return visits answered in the period
  满意率 = return visits answered 满意 or 基本满意 / return visits answered in the period
  按期办结率 = needs resolved by their resolve deadline / needs whose resolve deadline fell in the period (so far)
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
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
TELEGRAM_LIMIT = 4096


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
    needs_policy: Any
    party_policy: Any
    top_n: int
    hotspot_min: int

    @property
    def until(self) -> datetime:
        """The end of the period, never in the future."""
        return min(self.period.end, self.now)


@dataclass(frozen=True)
class Section:
    """A computed section: `name` picks its renderer; data is plain values."""

    name: str
    data: Any


@dataclass(frozen=True)
class Digest:
    """A digest of one unit for one period; `sections` holds only those with something to say."""

    unit_id: int
    unit_name: str
    breadcrumb: str
    level: str
    period: Period
    now: datetime
    zone: ZoneInfo
    sections: tuple[Section, ...]
    per_day: tuple[tuple[date, int], ...] = field(default=())
    by_category: tuple[tuple[str, int], ...] = field(default=())

    def section(self, name: str) -> Any:
        return next((s.data for s in self.sections if s.name == name), None)


def build(session: Session, unit_id: int, period_key: str, now: datetime, needs_policy, party_policy, *,
          top_n: int = 8, hotspot_min: int = 2) -> Digest:
    """The digest of the unit's subtree for the period ending at `now`."""
    from .sections import SECTIONS, per_day

    scope = scope_of(session, unit_id)
    period = period_bounds(period_key, now, needs_policy.zone)
    ctx = Context(session, scope, period, now, needs_policy, party_policy, top_n, hotspot_min)
    sections = []
    for spec in SECTIONS:
        data = spec.compute(ctx)
        if data is not None:
            sections.append(Section(spec.name, data))
    needs = next((s.data for s in sections if s.name == "needs"), None)
    by_category = tuple((c.key, c.counts.new) for c in needs.by_category if c.counts.new) if needs else ()
    return Digest(scope.unit_id, scope.name, scope.breadcrumb, scope.level, period, now, needs_policy.zone,
                  tuple(sections), per_day(ctx) if needs else (), by_category)


def render(digest: Digest, lang: str | None, needs_policy, narrative: str | None = None) -> str:
    """The digest as text: a header, the optional checked narrative, then each section; a quiet unit gets the
    header and one line."""
    from .sections import RENDERERS

    lines = [t("digest.head", lang, unit=digest.breadcrumb, period=digest.period.label(digest.zone, lang))]
    if narrative:
        lines.append(narrative)
    for section in digest.sections:
        lines += RENDERERS[section.name](section.data, lang, needs_policy)
    if not digest.sections:
        lines.append(t("digest.quiet", lang))
    return "\n".join(lines)


def facts(digest: Digest) -> dict:
    """The digest's numbers and labels as plain data: all an LLM narrative may draw on."""
    return {"unit": digest.unit_name, "period": digest.period.label(digest.zone),
            "sections": {section.name: _plain(section.data) for section in digest.sections}}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if hasattr(value, "pct"):  # a rate: its percentage is a fact too
            data["pct"] = value.pct
        return data
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def narrative(digest: Digest, lang: str | None, model, timeout: float) -> str | None:
    """A one-paragraph summary written by the configured LLM, only when every number in it is one of the
    digest's facts (assistant/llm/narrative.py); None without a model or when the check fails."""
    if model is None or not digest.sections:
        return None
    from ..llm.narrative import narrate_digest

    return narrate_digest(model, facts(digest), lang or "zh", timeout)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, cut at line ends where possible (Telegram's message limit)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
