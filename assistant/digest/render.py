"""Text of each digest section, in the reader's language (see digest_sections for the data)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..messages import t

METRICS = ("new", "accepted", "resolved", "open", "overdue")


def category_label(needs_policy, category: str, lang: str | None) -> str:
    found = needs_policy.category(category)
    return found.label(lang) if found else category


def counts_text(counts, lang: str | None) -> str:
    """"新增 3，在办 2，逾期 1": only the metrics that are not zero."""
    parts = [t(f"digest.metric.{m}", lang, n=getattr(counts, m)) for m in METRICS if getattr(counts, m)]
    return t("digest.sep", lang).join(parts)


def pct(rate, lang: str | None) -> str:
    return t("digest.rate_value", lang, pct=f"{rate.pct:.1f}", num=rate.num, den=rate.den) if rate.den \
        else t("digest.rate_none", lang)


def _needs(data, lang, policy) -> list[str]:
    lines = [t("digest.needs.head", lang, counts=counts_text(data.totals, lang))]
    lines.append(t("digest.needs.by_category", lang))
    lines += [t("digest.line", lang, name=category_label(policy, r.key, lang), value=counts_text(r.counts, lang))
              for r in data.by_category]
    if data.by_sub_unit:
        lines.append(t("digest.needs.by_sub_unit", lang))
        lines += [t("digest.line", lang, name=r.key, value=counts_text(r.counts, lang)) for r in data.by_sub_unit]
        if data.hidden_sub_units:
            lines.append(t("digest.more", lang, n=data.hidden_sub_units))
    return lines


def _rates(data, lang, policy) -> list[str]:
    return [t("digest.rates.head", lang)] + [
        t(f"digest.rate.{name}", lang, value=pct(rate, lang)) for name, rate in data.items()]


def _rates_ranked(data, lang, policy) -> list[str]:
    return [t("digest.ranked.head", lang)] + [
        t("digest.ranked.line", lang, rank=i, unit=unit, score=f"{score:.1f}",
          rates=t("digest.sep", lang).join(t(f"digest.ranked.{name}", lang, value=pct(rate, lang))
                                           for name, rate in rates.items()))
        for i, (unit, rates, score) in enumerate(data, 1)]


def _hotspot(data, lang, policy) -> list[str]:
    place = t("digest.place", lang, compound=data["compound"], building=data["building"]) if data["building"] \
        else data["compound"]
    return [t("digest.hotspot", lang, category=category_label(policy, data["category"], lang), place=place,
              n=data["count"])]


def _escalations(data, lang, policy) -> list[str]:
    lines = [t("digest.escalations.head", lang, n=data["total"])]
    if data["waiting"]:
        waiting = t("digest.sep", lang).join(t("digest.unit_count", lang, unit=u, n=n) for u, n in data["waiting"])
        lines.append(t("digest.escalations.waiting", lang, units=waiting))
    return lines


def _names(names, more: int, lang) -> str:
    """"王一、李二 等（另有 3 人）"."""
    return t("digest.name_sep", lang).join(names) + (t("digest.and_more", lang, n=more) if more else "")


def _checkins(data, lang, policy) -> list[str]:
    lines = [t("digest.checkins.head", lang, confirmed=data["confirmed"], pending=data["pending"],
               overdue=data["overdue"], late=data["late"])]
    if data["overdue_names"]:
        lines.append(t("digest.checkins.late", lang, names=_names(data["overdue_names"], data["more"], lang)))
    if data["late_reports"]:
        names = [t("digest.checkins.late_name", lang, name=name, work_unit=unit, days=days)
                 for name, unit, days in data["late_reports"]]
        lines.append(t("digest.checkins.late_reports", lang, names=_names(names, data["more_late"], lang)))
    return lines


def _points(data, lang, policy) -> list[str]:
    return [t("digest.points.head", lang)] + [t("digest.points.line", lang, rank=i, name=name, points=p)
                                              for i, (name, p) in enumerate(data, 1)]


def _cases(data, lang, policy) -> list[str]:
    return [t("digest.cases", lang, open=data["open"], unrectified=data["unrectified"])]


def _compliance(data, lang, policy) -> list[str]:
    lines = [t("digest.compliance.head", lang, n=data["total"])]
    lines += [f.message(lang) for f in data["findings"]]  # each already a bulleted line, as /check prints it
    if data["total"] > len(data["findings"]):
        lines.append(t("digest.more", lang, n=data["total"] - len(data["findings"])))
    return lines


def _ratings(data, lang, policy) -> list[str]:
    from ..property.ratings import rating_line

    lines = [t("digest.ratings.head", lang, period=data["period"])] + [rating_line(r, lang) for r in data["rows"]]
    if data["total"] > len(data["rows"]):
        lines.append(t("digest.more", lang, n=data["total"] - len(data["rows"])))
    return lines


RENDERERS: dict[str, Callable[[Any, str | None, Any], list[str]]] = {
    "needs": _needs, "rates": _rates, "rates_ranked": _rates_ranked, "hotspot": _hotspot, "escalations": _escalations, "checkins": _checkins,
    "points": _points, "cases": _cases, "ratings": _ratings, "compliance": _compliance,
}
