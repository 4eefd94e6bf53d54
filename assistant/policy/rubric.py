"""The property-company evaluation rubric (rubric.yaml, clause 12): "双百分" parts, veto list, stars, weights.

Validated like the other policy files: a bad file fails at start-up with a PolicyError naming the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..storage.models import ROLES
from .loader import Labelled, _Reader, read_yaml

Veto = Labelled  # an item of the one-vote-veto list (一票否决): id, zh, en

SHIPPED_RUBRIC = Path(__file__).resolve().parent / "rubric.yaml"
PARTS: tuple[str, ...] = ("party_building", "service_quality")
PERIOD_KINDS: dict[str, re.Pattern] = {"year": re.compile(r"^(\d{4})$"), "half": re.compile(r"^(\d{4})H([12])$"),
                                       "quarter": re.compile(r"^(\d{4})Q([1-4])$")}
_MONTHS = {"year": 12, "half": 6, "quarter": 3}
_EPSILON = 1e-6


class _Named:
    """`label(lang)`: the en text for English, else the zh one."""

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or "").lower().startswith("en") else self.zh  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Item(_Named):
    """One rubric item: its maximum points and what it covers."""

    id: str
    part: str
    max: float
    zh: str
    en: str
    description: str


@dataclass(frozen=True)
class Part(_Named):
    """One of the two 100-point parts."""

    id: str
    zh: str
    en: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Source(_Named):
    """Where evaluations come from (the roles) and their weight in the combined score."""

    id: str
    zh: str
    en: str
    roles: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Rubric:
    """The rubric as typed values."""

    period_kind: str
    timezone: str
    parts: tuple[Part, ...]
    quick_deductions: tuple[float, ...]
    vetoes: tuple[Veto, ...]
    part_weights: dict[str, float]
    sources: tuple[Source, ...]
    stars: tuple[tuple[int, float], ...]  # (stars, minimum total), most stars first
    source: Path = field(default=SHIPPED_RUBRIC, compare=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for p in self.parts for i in p.items)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def veto(self, veto_id: str) -> Veto | None:
        return next((v for v in self.vetoes if v.id == veto_id), None)

    def source_of(self, role: str) -> Source | None:
        return next((s for s in self.sources if role in s.roles), None)

    def total(self, party: float, service: float) -> float:
        """The weighted total of the two part scores."""
        return self.part_weights["party_building"] * party + self.part_weights["service_quality"] * service

    def stars_for(self, total: float, vetoed: bool) -> int:
        """Stars for a weighted total: 0 with any veto item or below the lowest threshold."""
        if vetoed:
            return 0
        return next((n for n, low in self.stars if total + _EPSILON >= low), 0)

    def period_of(self, day: date) -> str:
        """The period (2026, 2026H2 or 2026Q4) a calendar day falls in."""
        index = (day.month - 1) // _MONTHS[self.period_kind] + 1
        return {"year": f"{day.year}", "half": f"{day.year}H{index}", "quarter": f"{day.year}Q{index}"}[self.period_kind]

    def previous_period(self, period: str) -> str:
        start, _ = self.period_range(period)
        return self.period_of(start - timedelta(days=1))

    def valid_period(self, period: str) -> bool:
        return bool(PERIOD_KINDS[self.period_kind].match(period or ""))

    def period_range(self, period: str) -> tuple[date, date]:
        """First day and the day after the last day of a period; ValueError for a malformed one."""
        m = PERIOD_KINDS[self.period_kind].match(period or "")
        if m is None:
            raise ValueError(f"not a {self.period_kind} period: {period!r}")
        year, index = int(m[1]), int(m[2]) if m.lastindex and m.lastindex > 1 else 1
        months = _MONTHS[self.period_kind]
        first_month = (index - 1) * months + 1
        after = date(year + 1, 1, 1) if first_month + months > 12 else date(year, first_month + months, 1)
        return date(year, first_month, 1), after

    def period_bounds(self, period: str) -> tuple[datetime, datetime]:
        """The period as aware datetimes (local midnight to local midnight)."""
        start, after = self.period_range(period)
        return (datetime.combine(start, time(), self.zone), datetime.combine(after, time(), self.zone))


def _labels(r: _Reader, entry: dict, path: str) -> tuple[str, str]:
    return r.text(entry["zh"], f"{path}.zh"), r.text(entry["en"], f"{path}.en")


def _number(r: _Reader, value: Any, path: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (value == 0 and not allow_zero):
        raise r.fail(path, f"must be a {'non-negative' if allow_zero else 'positive'} number (got {value!r})")
    return float(value)


def _parts(r: _Reader, value: Any, seen: set[str]) -> tuple[Part, ...]:
    block = r.mapping(value, "parts", set(PARTS))
    parts = []
    for part_id in PARTS:
        path = f"parts.{part_id}"
        entry = r.mapping(block[part_id], path, {"zh", "en", "items"})
        items = []
        for where, raw, item_id in r.entries(entry["items"], f"{path}.items",
                                             {"id", "max", "zh", "en", "description"}, "item", seen):
            items.append(Item(item_id, part_id, _number(r, raw["max"], f"{where}.max"), *_labels(r, raw, where),
                              r.text(raw["description"], f"{where}.description")))
        total = sum(i.max for i in items)
        if abs(total - 100) > _EPSILON:
            raise r.fail(f"{path}.items", f"the maxima must sum to 100 (they sum to {total:g})")
        parts.append(Part(part_id, *_labels(r, entry, path), tuple(items)))
    return tuple(parts)


def _weights(r: _Reader, values: list[float], path: str) -> None:
    if abs(sum(values) - 1) > _EPSILON:
        raise r.fail(path, f"the weights must sum to 1 (they sum to {sum(values):g})")


def _sources(r: _Reader, value: Any) -> tuple[Source, ...]:
    sources: list[Source] = []
    for path, raw, source_id in r.entries(value, "sources", {"id", "zh", "en", "roles", "weight"}, "source"):
        roles = r.texts(raw["roles"], f"{path}.roles", ROLES)
        for role in roles:
            if any(role in s.roles for s in sources):
                raise r.fail(f"{path}.roles", f"role {role!r} already belongs to another source")
        sources.append(Source(source_id, *_labels(r, raw, path), roles, _number(r, raw["weight"], f"{path}.weight")))
    _weights(r, [s.weight for s in sources], "sources")
    return tuple(sources)


def _stars(r: _Reader, value: Any) -> tuple[tuple[int, float], ...]:
    if not isinstance(value, dict) or not value:
        raise r.fail("stars", "must be a non-empty mapping of stars to minimum totals")
    found = []
    for key, low in value.items():
        if isinstance(key, bool) or not isinstance(key, int) or key < 1:
            raise r.fail(f"stars.{key}", "the number of stars must be a whole number from 1")
        low = _number(r, low, f"stars.{key}")
        if low > 100:
            raise r.fail(f"stars.{key}", f"must be at most 100 (got {low:g})")
        found.append((key, low))
    found.sort(reverse=True)
    if [n for n, _ in found] != list(range(len(found), 0, -1)):
        raise r.fail("stars", "must give every number of stars from 1 up without gaps")
    for (more, high), (fewer, low) in pairwise(found):
        if high <= low:
            raise r.fail(f"stars.{more}", f"must be higher than the minimum for {fewer} stars ({high:g} <= {low:g})")
    return tuple(found)


def parse_rubric(data: Any, source: Path | str = "<memory>") -> Rubric:
    """Validate parsed rubric YAML; raises PolicyError naming the first bad field."""
    r = _Reader(Path(source))
    top = r.mapping(data, "", {"period", "timezone", "parts", "quick_deductions", "veto", "part_weights", "sources",
                               "stars"})
    zone = r.text(top["timezone"], "timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", f"unknown time zone {zone!r}") from None
    seen: set[str] = set()
    parts = _parts(r, top["parts"], seen)
    quick = top["quick_deductions"]
    if not isinstance(quick, list) or not quick:
        raise r.fail("quick_deductions", "must be a non-empty list")
    deductions = tuple(_number(r, v, f"quick_deductions[{i}]", allow_zero=True) for i, v in enumerate(quick))
    vetoes = [Veto(veto_id, *_labels(r, raw, path))
              for path, raw, veto_id in r.entries(top["veto"], "veto", {"id", "zh", "en"}, "veto", allow_empty=True)]
    weights = r.mapping(top["part_weights"], "part_weights", set(PARTS))
    part_weights = {p: _number(r, weights[p], f"part_weights.{p}", allow_zero=True) for p in PARTS}
    _weights(r, list(part_weights.values()), "part_weights")
    return Rubric(
        period_kind=r.choice(top["period"], "period", tuple(PERIOD_KINDS)), timezone=zone, parts=parts,
        quick_deductions=deductions, vetoes=tuple(vetoes), part_weights=part_weights,
        sources=_sources(r, top["sources"]), stars=_stars(r, top["stars"]), source=Path(source))


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric from `path`, else the shipped rubric.yaml. PolicyError for a missing or invalid file."""
    path = Path(path) if path is not None else SHIPPED_RUBRIC
    data = read_yaml(path)
    return parse_rubric(data, path)
