"""The housing bureau's workbook of property-company evaluations (clause 12): results by period (history
included) and every evaluation item by item, earlier versions included."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..messages import t
from ..policy.rubric import Rubric
from . import evaluations, ratings


def export_xlsx(session: Session, path: str | Path, rubric: Rubric, unit_path: str | None = None,
                lang: str | None = None) -> int:
    """Write the workbook; returns the number of result rows."""
    from openpyxl import Workbook

    book = Workbook()
    results = book.active
    results.title = t("eval.xlsx.results", lang)
    results.append(t("eval.xlsx.results_head", lang).split("|"))
    found = ratings.all_ratings(session, unit_path, rubric)
    for r in found:
        seen = ratings.satisfaction(session, r.compound_id, r.period, rubric)
        results.append([r.period, r.street_name, r.compound_name, r.company_name, r.party_score, r.service_score,
                        r.total, r.stars, t("cli.eval.yes" if r.vetoed else "cli.eval.no", lang), r.street_rank,
                        r.district_rank, r.evaluations, round(seen.share, 3) if seen.share is not None else None])
    details = book.create_sheet(t("eval.xlsx.details", lang))
    details.append(t("eval.xlsx.details_head", lang).split("|"))
    names: dict[int, str] = {}
    for e in evaluations.evaluations(session, unit_path, include_history=True):
        compound = names.setdefault(e.compound_id, _name(session, e.compound_id))
        vetoes = "、".join(rubric.veto(v).label(lang) if rubric.veto(v) else v for v in e.vetoes)
        for s in e.scores:
            item = rubric.item(s.item)
            details.append([e.period, compound, e.company_name, e.evaluator_name, t(f"role.{e.role}", lang), e.version,
                            t("cli.eval.yes" if e.current else "cli.eval.no", lang),
                            rubric.part(s.part).label(lang) if item else s.part, item.label(lang) if item else s.item,
                            item.max if item else None, s.points, s.note or "", vetoes, e.veto_note or "",
                            e.submitted_at.astimezone(rubric.zone).strftime("%Y-%m-%d %H:%M")])
    book.save(path)
    return len(found)


def _name(session: Session, unit_id: int) -> str:
    from ..storage.models import OrgUnit

    return session.get(OrgUnit, unit_id).name
