"""The sections of a digest, in order: each a compute function (SQL aggregation; None = nothing to say) and a
renderer. To add one (e.g. property-company ratings) append a `Spec` to SECTIONS and its renderer."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from ..messages import t
from ..needs.views import OPEN_STATUSES, WAITING_ACCEPT, WAITING_RESOLVE
from ..storage.models import (
    CommitteeSeat,
    Escalation,
    Need,
    NegativeCase,
    OrgUnit,
    Person,
    PointEntry,
    ReturnVisit,
)
from .context import Context

METRICS = ("new", "accepted", "resolved", "open", "overdue")
SATISFIED = ("satisfied", "basically")
OPEN_CASES = ("open", "unrectified")


@dataclass(frozen=True)
class Counts:
    """Needs new / accepted / resolved in the period; open and overdue now."""

    new: int = 0
    accepted: int = 0
    resolved: int = 0
    open: int = 0
    overdue: int = 0

    def plus(self, metric: str, n: int) -> Counts:
        return Counts(**{**self.__dict__, metric: getattr(self, metric) + int(n or 0)})

    @property
    def any(self) -> bool:
        return any(getattr(self, m) for m in METRICS)


@dataclass(frozen=True)
class Row:
    """Counts for one category (key = category id) or one sub-unit (key = its name)."""

    key: str
    counts: Counts


@dataclass(frozen=True)
class NeedsData:
    totals: Counts
    by_category: tuple[Row, ...]
    by_sub_unit: tuple[Row, ...]
    hidden_sub_units: int


@dataclass(frozen=True)
class Rate:
    """num / den; `pct` is None when nothing fell due."""

    num: int
    den: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.num / self.den if self.den else None


def _scoped(ctx: Context, query, column=Need.compound_id):
    condition = ctx.scope.where(column)
    return query if condition is None else query.where(condition)


def _in_period(column, ctx: Context):
    return and_(column >= ctx.period.start, column < ctx.until)


def _overdue(now: datetime):
    return or_(and_(Need.status.in_(WAITING_ACCEPT), Need.accept_due_at < now),
               and_(Need.status.in_(WAITING_RESOLVE), Need.resolve_due_at < now))


def needs_counts(ctx: Context) -> NeedsData | None:
    """New / accepted / resolved in the period and open / overdue now, by category and by sub-unit."""
    key = Need.building_id if ctx.scope.by_building else Need.compound_id
    grouped: list[tuple[str, Any, Any]] = []  # (metric, select of category, key, n)
    for metric, column in (("new", Need.created_at), ("accepted", Need.accepted_at), ("resolved", Need.resolved_at)):
        query = select(Need.category, key, func.count()).where(_in_period(column, ctx)).group_by(Need.category, key)
        grouped += [(metric, row) for row in ctx.session.execute(_scoped(ctx, query))]
    overdue = func.sum(case((_overdue(ctx.now), 1), else_=0))
    query = select(Need.category, key, func.count(), overdue).where(Need.status.in_(OPEN_STATUSES)).group_by(
        Need.category, key)
    for category, unit, n, late in ctx.session.execute(_scoped(ctx, query)):
        grouped += [("open", (category, unit, n)), ("overdue", (category, unit, late))]
    totals, by_cat, by_sub = Counts(), {}, {}
    for metric, (category, unit, n) in grouped:
        totals = totals.plus(metric, n)
        by_cat[category] = by_cat.get(category, Counts()).plus(metric, n)
        sub = unit if ctx.scope.by_building else ctx.scope.sub_of_compound.get(unit)
        name = ctx.scope.sub_names.get(sub) if sub is not None else None
        name = name or t("digest.no_sub_unit")
        by_sub[name] = by_sub.get(name, Counts()).plus(metric, n)
    if not totals.any:
        return None
    order = lambda r: (-r.counts.overdue, -r.counts.open, -r.counts.new, r.key)
    subs = sorted((Row(k, c) for k, c in by_sub.items() if c.any), key=order)
    return NeedsData(totals, tuple(sorted((Row(k, c) for k, c in by_cat.items()), key=order)),
                     tuple(subs[:ctx.top_n]), max(0, len(subs) - ctx.top_n))


def per_day(ctx: Context, column=Need.created_at) -> tuple[tuple[Any, int], ...]:
    """Needs per local day of the period by `column` (filed; resolved_at: resolved), one SUM(CASE) per day."""
    zone = ctx.needs_policy.zone
    bounds = [datetime.combine(day, time(0), zone) for day in ctx.period.days]
    columns = [func.sum(case((and_(column >= start, column < start + timedelta(days=1)), 1), else_=0))
               for start in bounds]
    query = _scoped(ctx, select(*columns).where(_in_period(column, ctx)))
    row = ctx.session.execute(query).one()
    return tuple((day, int(n or 0)) for day, n in zip(ctx.period.days, row))


def _ratio(ctx: Context, query) -> Rate:
    num, den = ctx.session.execute(query).one()
    return Rate(int(num or 0), int(den or 0))


def rates(ctx: Context) -> dict[str, Rate] | None:
    """响应率 (accept deadlines that fell in the period), 解决率 and 满意率 (return visits answered in the period,
    as Beijing 12345 counts them), and 按期办结率 (resolve deadlines that fell in the period)."""
    on_time_accept = func.sum(case((and_(Need.accepted_at.is_not(None), Need.accepted_at <= Need.accept_due_at), 1),
                                   else_=0))
    on_time_resolve = func.sum(case((and_(Need.resolved_at.is_not(None), Need.resolved_at <= Need.resolve_due_at), 1),
                                    else_=0))
    satisfied = func.sum(case((ReturnVisit.satisfaction.in_(SATISFIED), 1), else_=0))
    solved = func.sum(case((ReturnVisit.solved.is_(True), 1), else_=0))
    visits = select(solved, satisfied, func.count()).where(_in_period(ReturnVisit.at, ctx))
    if (in_scope := ctx.scope.where()) is not None:  # a subquery, not a join: the planners then start from needs
        visits = visits.where(ReturnVisit.need_id.in_(select(Need.id).where(in_scope)))
    n_solved, n_satisfied, n_visits = (int(n or 0) for n in ctx.session.execute(visits).one())
    found = {
        "response": _ratio(ctx, _scoped(ctx, select(on_time_accept, func.count()).where(
            _in_period(Need.accept_due_at, ctx)))),
        "resolution": Rate(n_solved, n_visits),
        "satisfaction": Rate(n_satisfied, n_visits),
        "on_time": _ratio(ctx, _scoped(ctx, select(on_time_resolve, func.count()).where(
            _in_period(Need.resolve_due_at, ctx)))),
    }
    return found if any(r.den for r in found.values()) else None


RANKED_RATES: tuple[str, ...] = ("response", "resolution", "satisfaction")


def rates_ranked(ctx: Context) -> tuple[tuple[str, dict[str, Rate], float], ...] | None:
    """三率排名 of the sub-units (communities of a street, streets of the district, as 12345 ranks them): each
    sub-unit's 响应率, 解决率 and 满意率 and their mean (over the rates that had something due), best first."""
    if ctx.scope.by_building or not ctx.scope.sub_names:
        return None
    on_time_accept = func.sum(case((and_(Need.accepted_at.is_not(None), Need.accepted_at <= Need.accept_due_at), 1),
                                   else_=0))
    response = _scoped(ctx, select(Need.compound_id, on_time_accept, func.count())
                       .where(_in_period(Need.accept_due_at, ctx)).group_by(Need.compound_id))
    visits = _scoped(ctx, select(Need.compound_id, func.sum(case((ReturnVisit.solved.is_(True), 1), else_=0)),
                                 func.sum(case((ReturnVisit.satisfaction.in_(SATISFIED), 1), else_=0)), func.count())
                     .join(Need, Need.id == ReturnVisit.need_id).where(_in_period(ReturnVisit.at, ctx))
                     .group_by(Need.compound_id))
    sums: dict[int, dict[str, list[int]]] = {}

    def add(compound: int, name: str, num, den) -> None:
        pair = sums.setdefault(ctx.scope.sub_of_compound.get(compound), {}).setdefault(name, [0, 0])
        pair[0] += int(num or 0)
        pair[1] += int(den or 0)

    for compound, num, den in ctx.session.execute(response):
        add(compound, "response", num, den)
    for compound, solved, satisfied, n in ctx.session.execute(visits):
        add(compound, "resolution", solved, n)
        add(compound, "satisfaction", satisfied, n)
    rows = []
    for sub, found in sums.items():
        if sub is None or sub not in ctx.scope.sub_names:
            continue
        rates_of = {name: Rate(*found.get(name, (0, 0))) for name in RANKED_RATES}
        due = [r.pct for r in rates_of.values() if r.den]
        if due:
            rows.append((ctx.scope.sub_names[sub], rates_of, sum(due) / len(due)))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return tuple(rows[:ctx.top_n]) if len(rows) > 1 else None


def escalations(ctx: Context) -> dict | None:
    """Escalations in the period, and where the escalated needs still wait (who has not acted)."""
    base = _scoped(ctx, select(func.count()).select_from(Escalation).join(Need, Need.id == Escalation.need_id)
                   .where(_in_period(Escalation.at, ctx)))
    total = ctx.session.scalar(base)
    if not total:
        return None
    waiting = _scoped(ctx, select(OrgUnit.name, func.count(func.distinct(Need.id))).select_from(Escalation)
                      .join(Need, Need.id == Escalation.need_id).join(OrgUnit, OrgUnit.id == Need.level_unit_id)
                      .where(_in_period(Escalation.at, ctx), Need.status.in_(OPEN_STATUSES))
                      .group_by(OrgUnit.name).order_by(func.count(func.distinct(Need.id)).desc(), OrgUnit.name)
                      .limit(ctx.top_n))
    return {"total": int(total), "waiting": tuple((name, int(n)) for name, n in ctx.session.execute(waiting))}


def hotspot(ctx: Context) -> dict | None:
    """本期突出问题: the category and place (building, else compound) with the most new needs, if repeated; the
    place names its compound (every compound has a 1栋)."""
    n = func.count()
    query = _scoped(ctx, select(Need.category, Need.compound_id, Need.building_id, n)
                    .where(_in_period(Need.created_at, ctx)).group_by(Need.category, Need.compound_id, Need.building_id)
                    .having(n >= ctx.hotspot_min).order_by(n.desc(), Need.category).limit(1))
    row = ctx.session.execute(query).first()
    if row is None:
        return None
    compound = ctx.session.get(OrgUnit, row[1])
    building = ctx.session.get(OrgUnit, row[2]) if row[2] is not None else None
    return {"category": row[0], "compound": compound.name, "building": building.name if building else None,
            "count": int(row[3])}


def checkin_progress(ctx: Context) -> dict | None:
    """Party-member check-ins (reuses the /checkins report): counts, the overdue members, and the late check-ins
    (name, work unit, days late; most days late first)."""
    from ..party.checkin_report import COUNTED, report

    if not ctx.session.scalar(select(exists().where(Person.party_member.is_(True)))):
        return None
    today = ctx.now.astimezone(ctx.party_policy.zone).date()
    rep = report(ctx.session, ctx.party_policy, ctx.scope.unit_id, today)
    counts = {s: sum(c.get(s, 0) for c in rep.by_compound.values()) for s in COUNTED}
    if not any(counts.values()):
        return None
    overdue = tuple(r.name for r in rep.rows if r.status == "overdue")
    late = tuple((r.name, r.work_unit, r.days_late) for r in rep.late)
    return {**counts, "overdue_names": overdue[:ctx.top_n], "more": max(0, len(overdue) - ctx.top_n),
            "late_reports": late[:ctx.top_n], "more_late": max(0, len(late) - ctx.top_n)}


def points_leaders(ctx: Context) -> tuple | None:
    """The members with the most points recorded in the period's days."""
    total = func.sum(PointEntry.points)
    days = ctx.period.days
    query = _scoped(ctx, select(Person.name, total).join(Person, Person.id == PointEntry.person_id)
                    .where(PointEntry.on_date >= days[0], PointEntry.on_date <= days[-1])
                    .group_by(PointEntry.person_id, Person.name).having(total > 0)
                    .order_by(total.desc(), Person.name).limit(ctx.top_n), PointEntry.unit_id)
    rows = tuple((name, int(p)) for name, p in ctx.session.execute(query))
    return rows or None


def open_cases(ctx: Context) -> dict | None:
    """Negative-behaviour cases not yet rectified, by status."""
    query = _scoped(ctx, select(NegativeCase.status, func.count()).where(NegativeCase.status.in_(OPEN_CASES))
                    .group_by(NegativeCase.status), NegativeCase.compound_id)
    counts = dict(ctx.session.execute(query).all())
    return {s: int(counts.get(s, 0)) for s in OPEN_CASES} if counts else None


def compliance_findings(ctx: Context) -> dict | None:
    """Organisation-setting breaches (clauses 1–3, 9), once committee seats are recorded in the subtree."""
    from ..party.compliance import BREACH, check

    seats = select(exists().where(CommitteeSeat.unit_id == OrgUnit.id,
                                  OrgUnit.path.startswith(ctx.scope.path, autoescape=True)))
    if not ctx.session.scalar(seats):
        return None
    breaches = [f for f in check(ctx.session, ctx.party_policy, ctx.scope.unit_id) if f.severity == BREACH]
    return {"findings": tuple(breaches[:ctx.top_n]), "total": len(breaches)} if breaches else None


def property_ratings(ctx: Context) -> dict | None:
    """Property-company ratings (clause 12) of the evaluation period the digest ends in, or of the one before
    while the current one has no evaluation yet."""
    from ..property.ratings import ratings

    rubric = ctx.policies.rubric
    current = rubric.period_of(ctx.period.days[-1])
    for period in (current, rubric.previous_period(current)):
        rows = ratings(ctx.session, ctx.scope.unit_id, period, rubric)
        if rows:
            return {"period": period, "rows": tuple(rows[:ctx.top_n]), "total": len(rows)}
    return None


@dataclass(frozen=True)
class Spec:
    name: str
    compute: Callable[[Context], Any]


SECTIONS: tuple[Spec, ...] = (
    Spec("needs", needs_counts),
    Spec("rates", rates),
    Spec("rates_ranked", rates_ranked),
    Spec("hotspot", hotspot),
    Spec("escalations", escalations),
    Spec("checkins", checkin_progress),
    Spec("points", points_leaders),
    Spec("cases", open_cases),
    Spec("ratings", property_ratings),
    Spec("compliance", compliance_findings),
)
