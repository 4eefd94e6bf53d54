"""Results of the property-company evaluations (clause 12), aggregated in SQL.

Per period, company and compound: each source's evaluations are averaged, the sources combined by their
weights (a source without evaluations is left out and the others scaled up), the two part scores weighted into
a total; any ticked veto item gives 0 stars and ranks the company last. Ranks are among all companies and
compounds of the same street and of the same district in that period.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from ..errors import NotFound
from ..messages import t
from ..org.permissions import ACTIONS, ADMIN, bindings
from ..policy.rubric import Rubric
from ..storage.models import Evaluation, Need, OrgUnit, PropertyCompany, ReturnVisit

# 满意率 counts 满意 and 基本满意 (README, "The needs list: rules and rates").
SATISFIED: tuple[str, ...] = ("satisfied", "basically")


@dataclass(frozen=True)
class RatingView:
    """A company's result in a compound for a period."""

    period: str
    company_id: int
    company_name: str
    compound_id: int
    compound_name: str
    street_name: str
    party_score: float
    service_score: float
    total: float
    stars: int
    vetoed: bool
    evaluations: int
    street_rank: int
    district_rank: int


@dataclass(frozen=True)
class SatisfactionView:
    """Residents' satisfaction from the needs' return visits in a compound and period (evidence)."""

    visits: int
    satisfied: int

    @property
    def share(self) -> float | None:
        return self.satisfied / self.visits if self.visits else None


def _combined(rubric: Rubric, period: str | None, company_id: int | None, compound_id: int | None):
    """Per period, company and compound: source-weighted part scores, veto flag and number of evaluations."""
    e = Evaluation
    filters = [e.current.is_(True)]
    if period is not None:
        filters.append(e.period == period)
    if company_id is not None:
        filters.append(e.company_id == company_id)
    if compound_id is not None:
        filters.append(e.compound_id == compound_id)
    per_source = (select(e.period, e.company_id, e.compound_id, e.source,
                         func.avg(e.party_score).label("party"), func.avg(e.service_score).label("service"),
                         func.max(case((e.vetoed.is_(True), 1), else_=0)).label("vetoed"),
                         func.count(e.id).label("n"))
                  .where(*filters).group_by(e.period, e.company_id, e.compound_id, e.source).subquery())
    weight = case({s.id: s.weight for s in rubric.sources}, value=per_source.c.source, else_=0.0)
    weights = func.nullif(func.sum(weight), 0.0)
    return (select(per_source.c.period, per_source.c.company_id, per_source.c.compound_id,
                   (func.sum(weight * per_source.c.party) / weights).label("party"),
                   (func.sum(weight * per_source.c.service) / weights).label("service"),
                   func.max(per_source.c.vetoed).label("vetoed"), func.sum(per_source.c.n).label("n"))
            .group_by(per_source.c.period, per_source.c.company_id, per_source.c.compound_id).subquery())


def _query(session: Session, rubric: Rubric, *, period: str | None = None, unit_path: str | None = None,
           company_id: int | None = None, compound_id: int | None = None) -> list[RatingView]:
    scores = _combined(rubric, period, company_id, compound_id)
    compound, community, street = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    total = (literal(rubric.part_weights["party_building"]) * scores.c.party
             + literal(rubric.part_weights["service_quality"]) * scores.c.service)
    order = (scores.c.vetoed.asc(), total.desc())
    ranked = (select(scores.c.period, scores.c.company_id, PropertyCompany.name.label("company_name"),
                     scores.c.compound_id, compound.name.label("compound_name"), compound.path,
                     street.name.label("street_name"), scores.c.party, scores.c.service, total.label("total"),
                     scores.c.vetoed, scores.c.n,
                     func.rank().over(partition_by=(scores.c.period, street.id), order_by=order).label("street_rank"),
                     func.rank().over(partition_by=(scores.c.period, street.parent_id),
                                      order_by=order).label("district_rank"))
              .join(PropertyCompany, PropertyCompany.id == scores.c.company_id)
              .join(compound, compound.id == scores.c.compound_id)
              .join(community, community.id == compound.parent_id)
              .join(street, street.id == community.parent_id)
              .where(scores.c.party.is_not(None)).subquery())
    query = select(ranked)
    if unit_path is not None:
        query = query.where(ranked.c.path.startswith(unit_path, autoescape=True))
    rows = session.execute(query.order_by(ranked.c.period, ranked.c.district_rank, ranked.c.company_name,
                                          ranked.c.compound_name))
    return [RatingView(r.period, r.company_id, r.company_name, r.compound_id, r.compound_name, r.street_name,
                       round(r.party, 1), round(r.service, 1), round(r.total, 1),
                       rubric.stars_for(round(r.total, 1), bool(r.vetoed)), bool(r.vetoed), int(r.n),
                       int(r.street_rank), int(r.district_rank)) for r in rows]


def ratings(session: Session, unit_id: int, period: str, rubric: Rubric) -> list[RatingView]:
    """Every company and compound under the unit rated in the period, best first (ranks street- and
    district-wide)."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound("eval.err.unit_not_found", id=unit_id)
    return _query(session, rubric, period=period, unit_path=unit.path)


def all_ratings(session: Session, unit_path: str | None, rubric: Rubric) -> list[RatingView]:
    """Every period's results under a unit path (all when None), for the export."""
    return _query(session, rubric, unit_path=unit_path)


def history(session: Session, company_id: int, compound_id: int, rubric: Rubric) -> list[RatingView]:
    """A company's results in a compound, period by period."""
    return _query(session, rubric, company_id=company_id, compound_id=compound_id)


def satisfaction(session: Session, compound_id: int, period: str, rubric: Rubric) -> SatisfactionView:
    """Return visits of the compound's needs made in the period, and how many were 满意 or 基本满意."""
    start, end = rubric.period_bounds(period)
    row = session.execute(
        select(func.count(ReturnVisit.id), func.sum(case((ReturnVisit.satisfaction.in_(SATISFIED), 1), else_=0)))
        .join(Need, Need.id == ReturnVisit.need_id)
        .where(and_(Need.compound_id == compound_id, ReturnVisit.at >= start, ReturnVisit.at < end))).one()
    return SatisfactionView(int(row[0] or 0), int(row[1] or 0))


def stars_text(stars: int) -> str:
    """★★★☆☆-style stars (five places, or more when the rubric has more)."""
    return "★" * stars + "☆" * max(0, 5 - stars)


def rating_line(r: RatingView, lang: str | None = None) -> str:
    """One result as a catalogue line."""
    veto = t("eval.rating.veto", lang) if r.vetoed else ""
    return t("eval.rating.line", lang, street_rank=r.street_rank, company=r.company_name, compound=r.compound_name,
             party=f"{r.party_score:g}", service=f"{r.service_score:g}", total=f"{r.total:g}",
             stars=stars_text(r.stars), veto=veto, district_rank=r.district_rank, n=r.evaluations)


# ---------------------------------------------------------------- what a person may see (/ratings)

VIEWERS = ACTIONS["view_reports"] | ACTIONS["evaluate_property"] | {ADMIN}


def _outermost(session: Session, person_id: int) -> list[OrgUnit] | None:
    """The outermost units where the person views reports or evaluates (every root for an admin); None if none."""
    held = bindings(session, person_id)
    roots = [b.unit for b in held if b.role in VIEWERS]
    if not roots:
        return None
    if any(b.role == ADMIN for b in held):
        roots = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))))
    return [u for u in roots if not any(o is not u and u.path.startswith(o.path) for o in roots)]


def results_for(session: Session, rubric: Rubric, person_id: int, period: str) -> list[RatingView] | None:
    """Results under every unit where the person views reports or evaluates; None when there is none."""
    units = _outermost(session, person_id)
    if units is None:
        return None
    found = [r for unit in units for r in ratings(session, unit.id, period, rubric)]
    return sorted(found, key=lambda r: (r.district_rank, r.company_name, r.compound_name))


def history_for(session: Session, rubric: Rubric, person_id: int) -> list[list[RatingView]] | None:
    """Every period's result per company and compound in the person's units, oldest period first."""
    units = _outermost(session, person_id)
    if units is None:
        return None
    pairs: dict[tuple[int, int], list[RatingView]] = {}
    for unit in units:
        for r in all_ratings(session, unit.path, rubric):
            pairs.setdefault((r.company_id, r.compound_id), []).append(r)
    return [sorted(rows, key=lambda r: r.period) for rows in pairs.values()]
