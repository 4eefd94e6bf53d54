"""Load and validate policy files into frozen dataclasses; a bad file fails at start-up naming the field."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..storage.models import LEVELS, ORGAN_POSITIONS, ROLES

SHIPPED_NEEDS_POLICY = Path(__file__).resolve().parent / "needs.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PREFIX = re.compile(r"^[A-Z0-9]{1,8}$")
_TOP_KEYS = {"ticket_prefix", "ticket_timezone", "description", "duplicate_window_hours", "duplicate_similarity",
             "sla", "escalation_chain", "party_types", "categories", "fallback_category", "urgent_keywords"}


class PolicyError(ValueError):
    """A policy file is unusable; `field` is the dotted path of the offending entry."""

    def __init__(self, source: Path | str, field_path: str, problem: str) -> None:
        self.source, self.field, self.problem = Path(source), field_path, problem
        super().__init__(f"{Path(source).name}: {field_path}: {problem}" if field_path else f"{source}: {problem}")


@dataclass(frozen=True)
class Category:
    """A needs-list category: ascii id, labels, intake keywords and the default responsible party type."""

    id: str
    zh: str
    en: str
    keywords: tuple[str, ...]
    party_type: str

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or "").lower().startswith("en") else self.zh


@dataclass(frozen=True)
class PartyType:
    """A kind of responsible party (任务清单) and the compound roles that act for it by default."""

    id: str
    zh: str
    en: str
    roles: tuple[str, ...]

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or "").lower().startswith("en") else self.zh


@dataclass(frozen=True)
class Sla:
    """Deadlines for one urgency, in hours."""

    accept_hours: float
    resolve_hours: float

    @property
    def accept(self) -> timedelta:
        return timedelta(hours=self.accept_hours)

    @property
    def resolve(self) -> timedelta:
        return timedelta(hours=self.resolve_hours)


@dataclass(frozen=True)
class NeedsPolicy:
    """The needs-list policy (assistant/policy/needs.yaml) as typed values."""

    ticket_prefix: str
    ticket_timezone: str
    description_min_chars: int
    description_max_chars: int
    duplicate_window_hours: float
    duplicate_similarity: float
    sla: dict[str, Sla]
    escalation_chain: tuple[str, ...]
    party_types: dict[str, PartyType]
    categories: tuple[Category, ...]
    fallback_category: str
    urgent_keywords: tuple[str, ...]
    source: Path = field(default=SHIPPED_NEEDS_POLICY, compare=False)

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    @property
    def description_min(self) -> int:
        return self.description_min_chars

    @property
    def description_max(self) -> int:
        return self.description_max_chars

    @property
    def urgencies(self) -> tuple[str, ...]:
        return tuple(self.sla)

    @property
    def duplicate_window(self) -> timedelta:
        return timedelta(hours=self.duplicate_window_hours)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ticket_timezone)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def deadlines(self, urgency: str, start: datetime) -> tuple[datetime, datetime]:
        """(accept_due, resolve_due) for a need of `urgency` whose clock starts at `start`."""
        sla = self.sla[urgency]
        return start + sla.accept, start + sla.resolve


class _Reader:
    """Typed access to a parsed YAML mapping that reports problems with their dotted path."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> PolicyError:
        return PolicyError(self.source, path, problem)

    def mapping(self, value: Any, path: str, keys: set[str], required: set[str] | None = None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a mapping")
        for key in value:
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.fail(f"{path}.{key}" if path else str(key), f"unknown key (known: {known})")
        for key in sorted(keys if required is None else required):
            if key not in value:
                raise self.fail(f"{path}.{key}" if path else key, "is missing")
        return value

    def text(self, value: Any, path: str, pattern: re.Pattern | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "must be a non-empty text")
        if pattern is not None and not pattern.match(value):
            raise self.fail(path, f"{value!r} does not match {pattern.pattern}")
        return value.strip()

    def positive(self, value: Any, path: str, integer: bool = False) -> float:
        kinds = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
            raise self.fail(path, f"must be a positive {'whole ' if integer else ''}number (got {value!r})")
        return value

    def choice(self, value: Any, path: str, allowed: tuple[str, ...]) -> str:
        item = self.text(value, path)
        if item not in allowed:
            raise self.fail(path, f"unknown value {item!r} (known: {', '.join(allowed)})")
        return item

    def entries(self, value: Any, path: str, keys: set[str], kind: str, seen: set[str] | None = None, *,
                allow_empty: bool = False):
        """(path, mapping, id) of each entry of a list of mappings with unique `id`s (`seen` may be shared
        between lists); a duplicate id is reported as "duplicate {kind} id"."""
        if not isinstance(value, list) or not (value or allow_empty):
            raise self.fail(path, "must be a list" if allow_empty else "must be a non-empty list")
        seen = set() if seen is None else seen
        for i, raw in enumerate(value):
            where = f"{path}[{i}]"
            entry = self.mapping(raw, where, keys)
            entry_id = self.text(entry["id"], f"{where}.id", _ID)
            if entry_id in seen:
                raise self.fail(f"{where}.id", f"duplicate {kind} id {entry_id!r}")
            seen.add(entry_id)
            yield where, entry, entry_id

    def texts(self, value: Any, path: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list")
        items = tuple(self.text(v, f"{path}[{i}]") for i, v in enumerate(value))
        if allowed is not None:
            for i, item in enumerate(items):
                self.choice(item, f"{path}[{i}]", allowed)
        return items


def read_yaml(path: Path) -> Any:
    """A policy file parsed; PolicyError for a missing, unreadable or malformed one."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(path, "", f"cannot read the policy file ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise PolicyError(path, "", f"not valid YAML: {error}") from None


def parse_needs_policy(data: Any, source: Path | str = "<memory>") -> NeedsPolicy:
    """Validate parsed YAML; raises PolicyError naming the first bad field."""
    r = _Reader(Path(source))
    top = r.mapping(data, "", _TOP_KEYS)
    zone = r.text(top["ticket_timezone"], "ticket_timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("ticket_timezone", f"unknown time zone {zone!r}") from None
    desc = r.mapping(top["description"], "description", {"min_chars", "max_chars"})
    low = int(r.positive(desc["min_chars"], "description.min_chars", integer=True))
    high = int(r.positive(desc["max_chars"], "description.max_chars", integer=True))
    if low > high:
        raise r.fail("description.min_chars", f"must not exceed max_chars ({low} > {high})")
    similarity = r.positive(top["duplicate_similarity"], "duplicate_similarity")
    if similarity > 1:
        raise r.fail("duplicate_similarity", f"must be between 0 and 1 (got {similarity!r})")
    parties = _party_types(r, top["party_types"])
    categories = _categories(r, top["categories"], parties)
    return NeedsPolicy(
        ticket_prefix=r.text(top["ticket_prefix"], "ticket_prefix", _PREFIX),
        ticket_timezone=zone,
        description_min_chars=low,
        description_max_chars=high,
        duplicate_window_hours=r.positive(top["duplicate_window_hours"], "duplicate_window_hours"),
        duplicate_similarity=float(similarity),
        sla=_sla(r, top["sla"]),
        escalation_chain=_chain(r, top["escalation_chain"]),
        party_types=parties,
        categories=categories,
        fallback_category=r.choice(top["fallback_category"], "fallback_category", tuple(c.id for c in categories)),
        urgent_keywords=r.texts(top["urgent_keywords"], "urgent_keywords"),
        source=Path(source),
    )


def _sla(r: _Reader, value: Any) -> dict[str, Sla]:
    block = r.mapping(value, "sla", {"urgent", "normal"})
    result = {}
    for urgency in ("urgent", "normal"):
        path = f"sla.{urgency}"
        entry = r.mapping(block[urgency], path, {"accept_hours", "resolve_hours"})
        accept = r.positive(entry["accept_hours"], f"{path}.accept_hours")
        resolve = r.positive(entry["resolve_hours"], f"{path}.resolve_hours")
        if resolve < accept:
            raise r.fail(f"{path}.resolve_hours", f"must not be shorter than accept_hours ({resolve} < {accept})")
        result[urgency] = Sla(float(accept), float(resolve))
    return result


def _chain(r: _Reader, value: Any) -> tuple[str, ...]:
    chain = r.texts(value, "escalation_chain", LEVELS)
    depths = [LEVELS.index(level) for level in chain]
    if len(chain) < 2 or any(a <= b for a, b in zip(depths, depths[1:])):
        raise r.fail("escalation_chain",
                     "must list at least two levels, each above the one before (building → district)")
    if "compound" not in chain:
        raise r.fail("escalation_chain", "must include compound (where needs without a building start)")
    return chain


def _party_types(r: _Reader, value: Any) -> dict[str, PartyType]:
    if not isinstance(value, dict) or not value:
        raise r.fail("party_types", "must be a non-empty mapping")
    parties = {}
    for key, entry in value.items():
        path = f"party_types.{key}"
        r.text(key, path, _ID)
        entry = r.mapping(entry, path, {"zh", "en", "roles"})
        parties[key] = PartyType(key, r.text(entry["zh"], f"{path}.zh"), r.text(entry["en"], f"{path}.en"),
                                 r.texts(entry["roles"], f"{path}.roles", ROLES))
    return parties


def _categories(r: _Reader, value: Any, parties: dict[str, PartyType]) -> tuple[Category, ...]:
    categories: list[Category] = []
    for path, entry, cid in r.entries(value, "categories", {"id", "zh", "en", "keywords", "party_type"}, "category"):
        categories.append(Category(cid, r.text(entry["zh"], f"{path}.zh"), r.text(entry["en"], f"{path}.en"),
                                   r.texts(entry["keywords"], f"{path}.keywords"),
                                   r.choice(entry["party_type"], f"{path}.party_type", tuple(parties))))
    return tuple(categories)


def load_needs_policy(path: str | Path | None = None, settings=None) -> NeedsPolicy:
    """The needs policy from `path`, else `settings.needs_policy_file` (process settings when omitted), else
    the shipped needs.yaml. Raises PolicyError for a missing, unreadable or invalid file."""
    if path is None:
        if settings is None:
            from ..config import get_settings

            settings = get_settings()
        path = getattr(settings, "needs_policy_file", None) or SHIPPED_NEEDS_POLICY
    path = Path(path)
    data = read_yaml(path)
    return parse_needs_policy(data, path)


@lru_cache
def default_needs_policy() -> NeedsPolicy:
    """The process's needs policy (settings file or shipped), parsed once: the fallback where a caller
    passes no policy."""
    return load_needs_policy()


# ---------------------------------------------------------------- party-member policy (issue 5; clauses 1–3, 5, 7–9)

SHIPPED_PARTY_POLICY = Path(__file__).resolve().parent / "party.yaml"
ORGANS: tuple[str, ...] = ("street_committee", "community_committee", "branch_committee")


@dataclass(frozen=True)
class Labelled:
    """An id with zh/en labels (a points activity carries its points, a case type none)."""

    id: str
    zh: str
    en: str
    points: int = 0

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or "").lower().startswith("en") else self.zh


@dataclass(frozen=True)
class CountRule:
    """Bounds on a count: below `min` or above `max` breaks the rule, above `warn_above` is noted."""

    min: int | None = None
    max: int | None = None
    warn_above: int | None = None


@dataclass(frozen=True)
class PartyPolicy:
    """The party-member policy (assistant/policy/party.yaml) as typed values."""

    timezone: str
    initial_deadline: date
    move_months: int
    earliest_date: date
    reminder_hours: float
    activities: tuple[Labelled, ...]
    title_zh: str
    title_en: str
    title_top_n: int
    case_types: tuple[Labelled, ...]
    rectify_days: int
    committee_rules: dict[str, dict[str, CountRule]]  # organ -> position or "total" -> rule
    party_group_min_members: int
    branch_min_members: int
    owners_committee_party_share: float
    source: Path = field(default=SHIPPED_PARTY_POLICY, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reminder_delay(self) -> timedelta:
        return timedelta(hours=self.reminder_hours)

    def activity(self, activity_id: str) -> Labelled | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def case_type(self, type_id: str) -> Labelled | None:
        return next((c for c in self.case_types if c.id == type_id), None)

    def title(self, lang: str | None = None) -> str:
        return self.title_en if (lang or "").lower().startswith("en") else self.title_zh


def _date(r: _Reader, value: Any, path: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise r.fail(path, f"must be a date like 2020-06-30 (got {value!r})")
    return value


def _labelled(r: _Reader, value: Any, path: str, with_points: bool) -> tuple[Labelled, ...]:
    if not isinstance(value, list) or not value:
        raise r.fail(path, "must be a non-empty list")
    items: list[Labelled] = []
    keys = {"id", "zh", "en", "points"} if with_points else {"id", "zh", "en"}
    for i, entry in enumerate(value):
        where = f"{path}[{i}]"
        entry = r.mapping(entry, where, keys)
        item_id = r.text(entry["id"], f"{where}.id", _ID)
        if any(x.id == item_id for x in items):
            raise r.fail(f"{where}.id", f"duplicate id {item_id!r}")
        points = int(r.positive(entry["points"], f"{where}.points", integer=True)) if with_points else 0
        items.append(Labelled(item_id, r.text(entry["zh"], f"{where}.zh"), r.text(entry["en"], f"{where}.en"), points))
    return tuple(items)


def _count_rules(r: _Reader, value: Any) -> dict[str, dict[str, CountRule]]:
    organs = r.mapping(value, "compliance", set(ORGANS), set())
    result: dict[str, dict[str, CountRule]] = {}
    for organ in ORGANS:
        path = f"compliance.{organ}"
        block = r.mapping(organs.get(organ, {}), path, {"total", *ORGAN_POSITIONS[organ]}, set())
        rules = {}
        for key, entry in block.items():
            where = f"{path}.{key}"
            entry = r.mapping(entry, where, {"min", "max", "warn_above"}, set())
            bounds = {k: int(r.positive(v, f"{where}.{k}", integer=True)) for k, v in entry.items()}
            if bounds.get("min", 0) > bounds.get("max", bounds.get("min", 0)):
                raise r.fail(f"{where}.min", f"must not exceed max ({bounds['min']} > {bounds['max']})")
            rules[key] = CountRule(**bounds)
        result[organ] = rules
    return result


def parse_party_policy(data: Any, source: Path | str = "<memory>") -> PartyPolicy:
    """Validate parsed party.yaml; raises PolicyError naming the first bad field."""
    r = _Reader(Path(source))
    top = r.mapping(data, "", {"timezone", "checkin", "points", "cases", "compliance"})
    zone = r.text(top["timezone"], "timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", f"unknown time zone {zone!r}") from None
    checkin = r.mapping(top["checkin"], "checkin", {"initial_deadline", "move_months", "earliest_date",
                                                     "reminder_hours"})
    earliest = _date(r, checkin["earliest_date"], "checkin.earliest_date")
    initial = _date(r, checkin["initial_deadline"], "checkin.initial_deadline")
    if initial < earliest:
        raise r.fail("checkin.initial_deadline", "must not be before earliest_date")
    points = r.mapping(top["points"], "points", {"activities", "quarter_title"})
    title = r.mapping(points["quarter_title"], "points.quarter_title", {"zh", "en", "top_n"})
    cases = r.mapping(top["cases"], "cases", {"types", "rectify_days"})
    rules_keys = {*ORGANS, "party_group_min_members", "branch_min_members", "owners_committee_party_share"}
    compliance = r.mapping(top["compliance"], "compliance", rules_keys)
    share = r.positive(compliance["owners_committee_party_share"], "compliance.owners_committee_party_share")
    if share > 1:
        raise r.fail("compliance.owners_committee_party_share", f"must be between 0 and 1 (got {share!r})")
    return PartyPolicy(
        timezone=zone,
        initial_deadline=initial,
        move_months=int(r.positive(checkin["move_months"], "checkin.move_months", integer=True)),
        earliest_date=earliest,
        reminder_hours=float(r.positive(checkin["reminder_hours"], "checkin.reminder_hours")),
        activities=_labelled(r, points["activities"], "points.activities", with_points=True),
        title_zh=r.text(title["zh"], "points.quarter_title.zh"),
        title_en=r.text(title["en"], "points.quarter_title.en"),
        title_top_n=int(r.positive(title["top_n"], "points.quarter_title.top_n", integer=True)),
        case_types=_labelled(r, cases["types"], "cases.types", with_points=False),
        rectify_days=int(r.positive(cases["rectify_days"], "cases.rectify_days", integer=True)),
        committee_rules=_count_rules(r, {k: v for k, v in compliance.items() if k in ORGANS}),
        party_group_min_members=int(r.positive(compliance["party_group_min_members"],
                                                "compliance.party_group_min_members", integer=True)),
        branch_min_members=int(r.positive(compliance["branch_min_members"], "compliance.branch_min_members",
                                          integer=True)),
        owners_committee_party_share=float(share),
        source=Path(source),
    )


def load_party_policy(path: str | Path | None = None) -> PartyPolicy:
    """The party policy from `path`, else the shipped party.yaml. PolicyError for a missing or invalid file."""
    path = Path(path) if path is not None else SHIPPED_PARTY_POLICY
    data = read_yaml(path)
    return parse_party_policy(data, path)
