"""The needs and party-member policy files as pydantic models; a bad file fails at start-up listing every problem."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from zoneinfo import ZoneInfo

from ..storage.models import LEVELS, ORGAN_POSITIONS, ROLES
from .base import (Day, Id, Labelled, Model, NonEmpty, Positive, PositiveInt, Share, Text, Zone, check_all, duplicates,
                   matching, ordered, problem, unique, with_ids)
from .base import PolicyError, read_yaml  # noqa: F401  (imported from here by older code)

SHIPPED_NEEDS_POLICY = Path(__file__).resolve().parent / "needs.yaml"
_PREFIX = re.compile(r"^[A-Z0-9]{1,8}$")


class Category(Labelled):
    """A needs-list category: ascii id, labels, intake keywords and the default responsible party type;
    an `emergency` category (gas, fire, live wires, people trapped, burst mains) is urgent by default and
    its replies give the emergency numbers first."""

    keywords: tuple[Text, ...]
    party_type: Text
    emergency: bool = False


class EmergencyNumber(Model):
    """A number to call before anything else in an emergency (label in both languages, the number)."""

    zh: Text
    en: Text
    number: Text

    def label(self, lang: str | None) -> str:
        return self.en if lang == "en" else self.zh


class PartyType(Labelled):
    """A kind of responsible party (任务清单; its key in party_types) and the roles that act for it by default."""

    roles: tuple[Literal[ROLES], ...]


class Sla(Model):
    """Deadlines for one urgency, in hours."""

    accept_hours: Positive
    resolve_hours: Positive

    _ordered = ordered("accept_hours", "resolve_hours", "must not be shorter than accept_hours ({high:g} < {low:g})",
                       "resolve_hours")

    accept = property(lambda self: timedelta(hours=self.accept_hours))
    resolve = property(lambda self: timedelta(hours=self.resolve_hours))


class Slas(Model):
    """The deadlines of each urgency: their names are the urgencies a need may have."""

    urgent: Sla
    normal: Sla


class Description(Model):
    min_chars: PositiveInt
    max_chars: PositiveInt

    _ordered = ordered("min_chars", "max_chars", "must not exceed max_chars ({low} > {high})", "min_chars")


def _chain(chain: tuple[str, ...]) -> tuple[str, ...]:
    depths = [LEVELS.index(level) for level in chain]
    if len(chain) < 2 or any(a <= b for a, b in zip(depths, depths[1:])):
        raise ValueError("must list at least two levels, each above the one before (building → district)")
    if "compound" not in chain:
        raise ValueError("must include compound (where needs without a building start)")
    return chain


class NeedsPolicy(Model):
    """The needs-list policy (assistant/policy/needs.yaml). Fields are checked in this order, so a check may
    use the fields above it (a category's party type, the fallback category)."""

    ticket_prefix: matching(_PREFIX)
    ticket_timezone: Zone
    description: Description
    duplicate_window_hours: Positive
    duplicate_similarity: Share
    slas: Slas = Field(alias="sla")
    warn_at_share: Share  # 临期预警: the assignee is told once this share of a deadline's window has passed
    escalation_chain: Annotated[tuple[Literal[LEVELS], ...], AfterValidator(_chain)]
    party_types: Annotated[dict[Id, PartyType], BeforeValidator(with_ids), NonEmpty]
    categories: Annotated[tuple[Category, ...], NonEmpty]
    fallback_category: Text
    urgent_keywords: tuple[Text, ...]
    emergency_numbers: Annotated[tuple[EmergencyNumber, ...], NonEmpty]

    @field_validator("categories")
    @classmethod
    def _known_parties(cls, categories: tuple[Category, ...], info: ValidationInfo) -> tuple[Category, ...]:
        parties = info.data.get("party_types")
        check_all(duplicates("category", enumerate(categories)) + [
            problem(f"unknown value {c.party_type!r} (known: {', '.join(parties)})", i, "party_type")
            for i, c in enumerate(categories) if parties is not None and c.party_type not in parties])
        return categories

    @field_validator("fallback_category")
    @classmethod
    def _known_category(cls, value: str, info: ValidationInfo) -> str:
        known = [c.id for c in info.data.get("categories") or ()]
        if "categories" in info.data and value not in known:
            raise ValueError(f"unknown value {value!r} (known: {', '.join(known)})")
        return value

    description_min_chars = description_min = property(lambda self: self.description.min_chars)
    description_max_chars = description_max = property(lambda self: self.description.max_chars)
    category_ids = property(lambda self: tuple(c.id for c in self.categories))
    sla = property(lambda self: dict(self.slas))  # urgency -> Sla
    urgencies = property(lambda self: tuple(self.sla))
    duplicate_window = property(lambda self: timedelta(hours=self.duplicate_window_hours))
    zone = property(lambda self: ZoneInfo(self.ticket_timezone))

    def is_emergency(self, category_id: str | None) -> bool:
        found = self.category(category_id) if category_id else None
        return bool(found and found.emergency)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def warn_before(self, urgency: str, kind: str) -> timedelta:
        """How long before an `accept` or `resolve` deadline of `urgency` the 临期预警 goes out."""
        window = getattr(self.sla[urgency], kind)
        return window * (1 - self.warn_at_share)

    def deadlines(self, urgency: str, start: datetime) -> tuple[datetime, datetime]:
        """(accept_due, resolve_due) for a need of `urgency` whose clock starts at `start`."""
        sla = self.sla[urgency]
        return start + sla.accept, start + sla.resolve


def parse_needs_policy(data, source: Path | str = "<memory>") -> NeedsPolicy:
    """Validate parsed YAML; raises PolicyError listing every bad field."""
    return NeedsPolicy.parse(data, source)


def load_needs_policy(path: str | Path | None = None, settings=None) -> NeedsPolicy:
    """The needs policy from `path`, else `settings.needs_policy_file` (process settings when omitted), else
    the shipped needs.yaml. Raises PolicyError for a missing, unreadable or invalid file."""
    if path is None:
        if settings is None:
            from ..config import get_settings

            settings = get_settings()
        path = getattr(settings, "needs_policy_file", None) or SHIPPED_NEEDS_POLICY
    return NeedsPolicy.load(path)


@lru_cache
def default_needs_policy() -> NeedsPolicy:
    """The process's needs policy (settings file or shipped), parsed once: the fallback where a caller
    passes no policy."""
    return load_needs_policy()


# ---------------------------------------------------------------- party-member policy (issue 5; clauses 1–3, 5, 7–9)

SHIPPED_PARTY_POLICY = Path(__file__).resolve().parent / "party.yaml"
ORGANS: tuple[str, ...] = ("street_committee", "community_committee", "branch_committee")


class Activity(Labelled):
    """A points activity (clause 7) and the points it earns."""

    points: PositiveInt


class CountRule(Model):
    """Bounds on a count: below `min` or above `max` breaks the rule, above `warn_above` is noted."""

    min: PositiveInt | None = None
    max: PositiveInt | None = None
    warn_above: PositiveInt | None = None

    _ordered = ordered("min", "max", "must not exceed max ({low} > {high})", "min")


def _seats(organ: str):
    """An organ's count rules: keyed by "total" or one of its positions."""
    return dict[Literal[("total", *ORGAN_POSITIONS[organ])], CountRule]


class Checkin(Model):
    initial_deadline: Day
    move_months: PositiveInt
    earliest_date: Day
    reminder_hours: Positive

    _ordered = ordered("earliest_date", "initial_deadline", "must not be before earliest_date", "initial_deadline")


class QuarterTitle(Model):
    zh: Text
    en: Text
    top_n: PositiveInt


class Points(Model):
    activities: Annotated[tuple[Activity, ...], NonEmpty, unique("activity")]
    quarter_title: QuarterTitle


class Cases(Model):
    types: Annotated[tuple[Labelled, ...], NonEmpty, unique("case type")]
    rectify_days: PositiveInt


class Compliance(Model):
    street_committee: _seats("street_committee")
    community_committee: _seats("community_committee")
    branch_committee: _seats("branch_committee")
    party_group_min_members: PositiveInt
    branch_min_members: PositiveInt
    owners_committee_party_share: Share


class PartyPolicy(Model):
    """The party-member policy (assistant/policy/party.yaml); the flat names below are what the services read."""

    timezone: Zone
    checkin: Checkin
    points: Points
    cases: Cases
    compliance: Compliance

    initial_deadline = property(lambda self: self.checkin.initial_deadline)
    move_months = property(lambda self: self.checkin.move_months)
    earliest_date = property(lambda self: self.checkin.earliest_date)
    reminder_hours = property(lambda self: self.checkin.reminder_hours)
    activities = property(lambda self: self.points.activities)
    title_zh = property(lambda self: self.points.quarter_title.zh)
    title_en = property(lambda self: self.points.quarter_title.en)
    title_top_n = property(lambda self: self.points.quarter_title.top_n)
    case_types = property(lambda self: self.cases.types)
    rectify_days = property(lambda self: self.cases.rectify_days)
    committee_rules = property(lambda self: {o: getattr(self.compliance, o) for o in ORGANS})
    party_group_min_members = property(lambda self: self.compliance.party_group_min_members)
    branch_min_members = property(lambda self: self.compliance.branch_min_members)
    owners_committee_party_share = property(lambda self: self.compliance.owners_committee_party_share)
    zone = property(lambda self: ZoneInfo(self.timezone))
    reminder_delay = property(lambda self: timedelta(hours=self.reminder_hours))

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def case_type(self, type_id: str) -> Labelled | None:
        return next((c for c in self.case_types if c.id == type_id), None)

    def title(self, lang: str | None = None) -> str:
        return self.title_en if (lang or "").lower().startswith("en") else self.title_zh


def parse_party_policy(data, source: Path | str = "<memory>") -> PartyPolicy:
    """Validate parsed party.yaml; raises PolicyError listing every bad field."""
    return PartyPolicy.parse(data, source)


def load_party_policy(path: str | Path | None = None) -> PartyPolicy:
    """The party policy from `path`, else the shipped party.yaml. PolicyError for a missing or invalid file."""
    return PartyPolicy.load(path if path is not None else SHIPPED_PARTY_POLICY)
