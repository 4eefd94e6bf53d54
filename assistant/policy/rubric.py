"""The property-company evaluation rubric (rubric.yaml, clause 12): "双百分" parts, veto list, stars, weights.

Validated like the other policy files: a bad file fails at start-up with a PolicyError listing every bad field.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, field_validator, model_validator
from zoneinfo import ZoneInfo

from ..storage.models import ROLES
from .base import (Labelled, Model, NonEmpty, NonNegative, Positive, Text, Zone, check, check_all, duplicates, problem,
                   unique, with_ids)

Veto = Labelled  # an item of the one-vote-veto list (一票否决): id, zh, en

SHIPPED_RUBRIC = Path(__file__).resolve().parent / "rubric.yaml"
PERIOD_KINDS: dict[str, re.Pattern] = {"year": re.compile(r"^(\d{4})$"), "half": re.compile(r"^(\d{4})H([12])$"),
                                       "quarter": re.compile(r"^(\d{4})Q([1-4])$")}
_MONTHS = {"year": 12, "half": 6, "quarter": 3}
_EPSILON = 1e-6


StarCount = Annotated[int, BeforeValidator(check(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                                                 "the number of stars must be a whole number from 1"))]
Percent = Annotated[Positive, AfterValidator(check(lambda v: v <= 100, "must be at most 100 (got {value:g})"))]


def _sums_to(values: list[float], total: float, what: str, *loc: str) -> list:
    off = abs(sum(values) - total) > _EPSILON
    return [problem(f"the {what} must sum to {total:g} (they sum to {sum(values):g})", *loc)] if off else []


class Item(Labelled):
    """One rubric item: its maximum points and what it covers; `part` is the id of the part it is listed in."""

    max: Positive
    description: Text
    _part: str = PrivateAttr("")
    part = property(lambda self: self._part)


class Part(Labelled):
    """One of the two 100-point parts (its id is its key under `parts`)."""

    items: Annotated[tuple[Item, ...], NonEmpty]

    @model_validator(mode="after")
    def _hundred(self) -> Part:
        check_all(_sums_to([i.max for i in self.items], 100, "maxima", "items"))
        for item in self.items:
            item._part = self.id
        return self


class Parts(Model):
    """The two parts, party building first; item ids are unique across both."""

    party_building: Part
    service_quality: Part

    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: Any) -> Any:
        return with_ids(data)

    @model_validator(mode="after")
    def _unique_items(self) -> Parts:
        check_all(duplicates("item", (((key, "items", i), item) for key, part in self
                                      for i, item in enumerate(part.items))))
        return self


class PartWeights(Model):
    party_building: NonNegative
    service_quality: NonNegative

    @model_validator(mode="after")
    def _one(self) -> PartWeights:
        check_all(_sums_to([w for _, w in self], 1, "weights"))
        return self


class Source(Labelled):
    """Where evaluations come from (the roles) and their weight in the combined score."""

    roles: tuple[Literal[ROLES], ...]
    weight: Positive


class Rubric(Model):
    """The rubric (assistant/policy/rubric.yaml)."""

    period_kind: Literal[tuple(PERIOD_KINDS)] = Field(alias="period")
    timezone: Zone
    part_map: Parts = Field(alias="parts")
    quick_deductions: Annotated[tuple[NonNegative, ...], NonEmpty]
    vetoes: Annotated[tuple[Veto, ...], unique("veto")] = Field(alias="veto")
    weights: PartWeights = Field(alias="part_weights")
    sources: Annotated[tuple[Source, ...], NonEmpty]
    star_map: Annotated[dict[StarCount, Percent], NonEmpty] = Field(alias="stars")

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: tuple[Source, ...]) -> tuple[Source, ...]:
        problems = duplicates("source", enumerate(sources)) + _sums_to([s.weight for s in sources], 1, "weights")
        taken: set[str] = set()
        for i, source in enumerate(sources):
            problems += [problem(f"role {r!r} already belongs to another source", i, "roles") for r in source.roles
                         if r in taken]
            taken.update(source.roles)
        check_all(problems)
        return sources

    @field_validator("star_map")
    @classmethod
    def _stars(cls, stars: dict[int, float]) -> dict[int, float]:
        found = sorted(stars.items(), reverse=True)
        gaps = [n for n, _ in found] != list(range(len(found), 0, -1))
        check_all([problem("must give every number of stars from 1 up without gaps")] * gaps + [
            problem(f"must be higher than the minimum for {fewer} stars ({high:g} <= {low:g})", more)
            for (more, high), (fewer, low) in pairwise(found) if high <= low])
        return dict(found)

    parts = property(lambda self: tuple(p for _, p in self.part_map))
    part_weights = property(lambda self: dict(self.weights))
    stars = property(lambda self: tuple(self.star_map.items()))  # (stars, minimum total), most stars first

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


def parse_rubric(data: Any, source: Path | str = "<memory>") -> Rubric:
    """Validate parsed rubric YAML; raises PolicyError listing every bad field."""
    return Rubric.parse(data, source)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric from `path`, else the shipped rubric.yaml. PolicyError for a missing or invalid file."""
    return Rubric.load(path if path is not None else SHIPPED_RUBRIC)
