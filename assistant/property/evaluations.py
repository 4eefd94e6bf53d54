"""Evaluating property companies (clause 12): companies, their contracts per compound, and evaluations.

An evaluation is one evaluator's item-by-item scoring of a company serving a compound in a period, with the
veto items ticked. Resubmitting makes a new version and keeps the earlier one (`current` false): there is one
current evaluation per evaluator, company, compound and period. Errors are the party services' (checkins).
Results (scores combined across evaluators, stars, ranks) are in services/ratings.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotAllowed, NotFound, now_or
from ..org.permissions import ACTIONS, ADMIN, ROLE_RANK, bindings
from ..policy.rubric import Rubric
from ..storage.models import (
    Evaluation,
    EvaluationScore,
    EvaluationVeto,
    OrgUnit,
    Person,
    PropertyCompany,
    ServiceContract,
)

NOTE_MAX = 500
NAME_MAX = 200


@dataclass(frozen=True)
class CompanyView:
    """A property company."""

    id: int
    name: str
    credit_code: str | None
    party_org: bool
    contact: str | None


@dataclass(frozen=True)
class ContractView:
    """A company serving a compound from `starts_on` to `ends_on` (open when None)."""

    id: int
    company_id: int
    company_name: str
    compound_id: int
    compound_name: str
    starts_on: date
    ends_on: date | None
    liaison_name: str | None


@dataclass(frozen=True)
class ScoreView:
    """The points given for one item and the reason for a deduction."""

    part: str
    item: str
    points: float
    note: str | None


@dataclass(frozen=True)
class EvaluationView:
    """One evaluation as submitted (the current version or an earlier one)."""

    id: int
    company_id: int
    company_name: str
    compound_id: int
    period: str
    evaluator_id: int
    evaluator_name: str
    role: str
    source: str
    version: int
    current: bool
    party_score: float
    service_score: float
    vetoed: bool
    vetoes: tuple[str, ...]
    veto_note: str | None
    submitted_at: datetime
    scores: tuple[ScoreView, ...]


def _company(c: PropertyCompany) -> CompanyView:
    return CompanyView(c.id, c.name, c.credit_code, c.party_org, c.contact)


def _contract(c: ServiceContract) -> ContractView:
    return ContractView(c.id, c.company_id, c.company.name, c.compound_id, c.compound.name, c.starts_on, c.ends_on,
                        c.liaison.name if c.liaison else None)


def add_company(session: Session, name: str, credit_code: str | None = None, party_org: bool = False,
                contact: str | None = None) -> CompanyView:
    """Register a property company (trusted callers: the CLI)."""
    name, credit_code = (name or "").strip(), (credit_code or "").strip() or None
    if not name or len(name) > NAME_MAX:
        raise Invalid([("name", "eval.err.company_name")])
    if session.scalars(select(PropertyCompany).where(PropertyCompany.name == name)).first() is not None:
        raise Invalid([("name", "eval.err.company_exists")])
    company = PropertyCompany(name=name, credit_code=credit_code, party_org=party_org, contact=contact)
    session.add(company)
    session.flush()
    return _company(company)


def find_company(session: Session, ref: str | int) -> PropertyCompany | None:
    """A company by id or exact name."""
    text = str(ref).strip()
    if text.isdigit():
        return session.get(PropertyCompany, int(text))
    return session.scalars(select(PropertyCompany).where(PropertyCompany.name == text)).first()


def companies(session: Session) -> list[CompanyView]:
    """Every company by name."""
    return [_company(c) for c in session.scalars(select(PropertyCompany).order_by(PropertyCompany.name))]


def add_contract(session: Session, company_id: int, compound_id: int, starts_on: date, ends_on: date | None = None,
                 liaison_person_id: int | None = None) -> ContractView:
    """Record that a company serves a compound (trusted callers: the CLI)."""
    if session.get(PropertyCompany, company_id) is None:
        raise NotFound("eval.err.company_not_found", company=company_id)
    compound = session.get(OrgUnit, compound_id)
    if compound is None or compound.level != "compound":
        raise Invalid([("compound_id", "eval.err.compound")])
    if ends_on is not None and ends_on < starts_on:
        raise Invalid([("ends_on", "eval.err.contract_dates")])
    if liaison_person_id is not None and session.get(Person, liaison_person_id) is None:
        raise NotFound("eval.err.person_not_found", id=liaison_person_id)
    contract = ServiceContract(company_id=company_id, compound_id=compound_id, starts_on=starts_on, ends_on=ends_on,
                               liaison_person_id=liaison_person_id)
    session.add(contract)
    session.flush()
    return _contract(contract)


def contracts(session: Session, unit_path: str | None = None, start: date | None = None,
              after: date | None = None) -> list[ContractView]:
    """Contracts of compounds under a unit path (all when None) running at some time in [start, after)."""
    query = select(ServiceContract).join(OrgUnit, OrgUnit.id == ServiceContract.compound_id)
    if unit_path is not None:
        query = query.where(OrgUnit.path.startswith(unit_path, autoescape=True))
    if after is not None:
        query = query.where(ServiceContract.starts_on < after)
    if start is not None:
        query = query.where(or_(ServiceContract.ends_on.is_(None), ServiceContract.ends_on >= start))
    return [_contract(c) for c in session.scalars(query.order_by(OrgUnit.name, ServiceContract.id))]


def evaluator_role(session: Session, rubric: Rubric, person_id: int, compound: OrgUnit) -> tuple[str, str] | None:
    """(role, source id) the person evaluates the compound as: their highest role covering it that may evaluate;
    an admin counts as the first source. None when they may not evaluate there."""
    allowed = ACTIONS["evaluate_property"]
    found = [b.role for b in bindings(session, person_id)
             if (b.role == ADMIN or b.role in allowed) and compound.path.startswith(b.unit.path)]
    if not found:
        return None
    role = min(found, key=lambda r: ROLE_RANK[r])
    source = rubric.sources[0] if role == ADMIN else rubric.source_of(role)
    return (role, source.id) if source else None


def evaluable(session: Session, rubric: Rubric, person_id: int, period: str) -> list[ContractView]:
    """Contracts running in the period in compounds the person may evaluate, one per company and compound."""
    start, after = rubric.period_range(period)
    seen, found = set(), []
    for contract in contracts(session, None, start, after):
        key = (contract.company_id, contract.compound_id)
        if key in seen:
            continue
        if evaluator_role(session, rubric, person_id, session.get(OrgUnit, contract.compound_id)) is not None:
            seen.add(key)
            found.append(contract)
    return found


def check_points(rubric: Rubric, item_id: str, points: float | None) -> str | None:
    """The catalogue key of what is wrong with a score for an item (None when it is fine)."""
    item = rubric.item(item_id)
    if item is None:
        return "eval.err.item"
    if points is None or points < 0 or points > item.max or round(points, 1) != points:
        return "eval.err.points"
    return None


def submit(session: Session, rubric: Rubric, person_id: int, company_id: int, compound_id: int, period: str,
           scores: dict[str, tuple[float, str | None]], vetoes: list[str], veto_note: str | None = None,
           now: datetime | None = None) -> EvaluationView:
    """Submit (or resubmit: a new version) an evaluation; every item scored, a note for every deduction."""
    now = now_or(now)
    compound = session.get(OrgUnit, compound_id)
    if compound is None or compound.level != "compound":
        raise Invalid([("compound_id", "eval.err.compound")])
    if not rubric.valid_period(period):
        raise Invalid([("period", "eval.err.period")])
    who = evaluator_role(session, rubric, person_id, compound)
    if who is None:
        raise NotAllowed("eval.err.not_allowed")
    start, after = rubric.period_range(period)
    if not any(c.company_id == company_id for c in contracts(session, compound.path, start, after)
               if c.compound_id == compound_id):
        raise Invalid([("company_id", "eval.err.no_contract")])
    errors = _check_scores(rubric, scores) + _check_vetoes(rubric, vetoes, veto_note)
    if errors:
        raise Invalid(errors)
    key = (Evaluation.company_id == company_id, Evaluation.compound_id == compound_id, Evaluation.period == period,
           Evaluation.evaluator_id == person_id)
    version = (session.scalar(select(func.max(Evaluation.version)).where(*key)) or 0) + 1
    for earlier in session.scalars(select(Evaluation).where(*key, Evaluation.current.is_(True))):
        earlier.current, earlier.superseded_at = False, now
    session.flush()
    part_sum = {p.id: sum(scores[i.id][0] for i in p.items) for p in rubric.parts}
    evaluation = Evaluation(company_id=company_id, compound_id=compound_id, period=period, evaluator_id=person_id,
                            role=who[0], source=who[1], version=version, current=True,
                            party_score=round(part_sum["party_building"], 1),
                            service_score=round(part_sum["service_quality"], 1), vetoed=bool(vetoes),
                            veto_note=(veto_note or "").strip() or None, submitted_at=now)
    session.add(evaluation)
    session.flush()
    session.add_all(EvaluationScore(evaluation_id=evaluation.id, part=i.part, item=i.id, points=scores[i.id][0],
                                    note=(scores[i.id][1] or "").strip() or None) for i in rubric.items)
    session.add_all(EvaluationVeto(evaluation_id=evaluation.id, veto=v) for v in dict.fromkeys(vetoes))
    session.flush()
    return view(session, evaluation.id)


def _check_scores(rubric: Rubric, scores: dict[str, tuple[float, str | None]]) -> list[tuple[str, str]]:
    errors = [(f"scores.{i}", "eval.err.item") for i in scores if rubric.item(i) is None]
    for item in rubric.items:
        if item.id not in scores:
            errors.append((f"scores.{item.id}", "eval.err.missing"))
            continue
        points, note = scores[item.id]
        if (problem := check_points(rubric, item.id, points)) is not None:
            errors.append((f"scores.{item.id}", problem))
        elif points < item.max and not (note or "").strip():
            errors.append((f"scores.{item.id}.note", "eval.err.note_required"))
        elif len((note or "").strip()) > NOTE_MAX:
            errors.append((f"scores.{item.id}.note", "eval.err.note_long"))
    return errors


def _check_vetoes(rubric: Rubric, vetoes: list[str], note: str | None) -> list[tuple[str, str]]:
    errors = [("vetoes", "eval.err.veto") for v in vetoes if rubric.veto(v) is None]
    if vetoes and not (note or "").strip():
        errors.append(("veto_note", "eval.err.veto_note"))
    elif len((note or "").strip()) > NOTE_MAX:
        errors.append(("veto_note", "eval.err.note_long"))
    return errors


def view(session: Session, evaluation_id: int) -> EvaluationView:
    """An evaluation with its scores and veto items."""
    e = session.get(Evaluation, evaluation_id)
    if e is None:
        raise NotFound("eval.err.not_found", id=evaluation_id)
    scores = session.scalars(select(EvaluationScore).where(EvaluationScore.evaluation_id == e.id)
                             .order_by(EvaluationScore.id))
    vetoes = session.scalars(select(EvaluationVeto.veto).where(EvaluationVeto.evaluation_id == e.id)
                             .order_by(EvaluationVeto.id))
    return EvaluationView(e.id, e.company_id, e.company.name, e.compound_id, e.period, e.evaluator_id,
                          e.evaluator.name, e.role, e.source, e.version, e.current, e.party_score, e.service_score,
                          e.vetoed, tuple(vetoes), e.veto_note, e.submitted_at,
                          tuple(ScoreView(s.part, s.item, s.points, s.note) for s in scores))


def current(session: Session, person_id: int, company_id: int, compound_id: int, period: str) -> EvaluationView | None:
    """The person's current evaluation of the company in the compound for the period."""
    found = session.scalar(select(Evaluation.id).where(
        Evaluation.company_id == company_id, Evaluation.compound_id == compound_id, Evaluation.period == period,
        Evaluation.evaluator_id == person_id, Evaluation.current.is_(True)))
    return view(session, found) if found is not None else None


def evaluations(session: Session, unit_path: str | None = None, period: str | None = None,
                include_history: bool = False) -> list[EvaluationView]:
    """Evaluations of compounds under a unit path (all when None), current ones unless history is asked for."""
    query = select(Evaluation.id).join(OrgUnit, OrgUnit.id == Evaluation.compound_id)
    if unit_path is not None:
        query = query.where(OrgUnit.path.startswith(unit_path, autoescape=True))
    if period is not None:
        query = query.where(Evaluation.period == period)
    if not include_history:
        query = query.where(Evaluation.current.is_(True))
    ids = session.scalars(query.order_by(Evaluation.period, OrgUnit.name, Evaluation.company_id, Evaluation.id))
    return [view(session, i) for i in ids]
