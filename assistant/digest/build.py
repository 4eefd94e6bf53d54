"""The digest built from the sections, rendered as text, its facts (for a narrative) and Telegram-sized chunks.

Every number comes from SQL aggregation in sections.py; this module only assembles and renders.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..messages import t
from .context import Context, Period, period_bounds, scope_of
from ..storage.models import Need
from .render import RENDERERS
from .sections import SECTIONS, per_day

Narrator = Callable[[dict, str], "str | None"]  # (facts, lang) -> a checked paragraph or None


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
    resolved_per_day: tuple[tuple[date, int], ...] = field(default=())

    def section(self, name: str) -> Any:
        return next((s.data for s in self.sections if s.name == name), None)


def build(session: Session, unit_id: int, period_key: str, now: datetime, policies, *, top_n: int = 8,
          hotspot_min: int = 2) -> Digest:
    """The digest of the unit's subtree for the period ending at `now` (`policies`: the Runtime's bundle)."""
    needs_policy = policies.needs
    scope = scope_of(session, unit_id)
    period = period_bounds(period_key, now, needs_policy.zone)
    ctx = Context(session, scope, period, now, policies, top_n, hotspot_min)
    sections = []
    for spec in SECTIONS:
        data = spec.compute(ctx)
        if data is not None:
            sections.append(Section(spec.name, data))
    needs = next((s.data for s in sections if s.name == "needs"), None)
    by_category = tuple((c.key, c.counts.new) for c in needs.by_category if c.counts.new) if needs else ()
    return Digest(scope.unit_id, scope.name, scope.breadcrumb, scope.level, period, now, needs_policy.zone,
                  tuple(sections), per_day(ctx) if needs else (), by_category,
                  per_day(ctx, Need.resolved_at) if needs else ())


def render(digest: Digest, lang: str | None, needs_policy, narrative: str | None = None) -> str:
    """The digest as text: a header, the optional checked narrative, then each section; a quiet unit gets the
    header and one line."""
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


def narrative(digest: Digest, lang: str | None, narrate: Narrator | None) -> str | None:
    """A one-paragraph summary from `narrate(facts, lang)` — the caller's checked LLM narrator
    (llm.narrative.narrator) — or None without one, for a quiet digest, or when the check fails."""
    if narrate is None or not digest.sections:
        return None
    return narrate(facts(digest), lang or "zh")
