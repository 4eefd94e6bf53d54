"""The housing bureau's workbook of property-company evaluations (clause 12): results by period (history
included) and every evaluation item by item, earlier versions included."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..messages import t
from ..policy.rubric import Rubric
from ..storage.models import utcnow
from ..workbook import DATETIME, LONG_TEXT, NUMBER, PERCENT, TEXT, Book, Column, title_line
from . import evaluations, ratings


RESULT_KINDS = (TEXT, TEXT, TEXT, TEXT, NUMBER, NUMBER, NUMBER, NUMBER, TEXT, NUMBER, NUMBER, NUMBER, PERCENT)
DETAIL_KINDS = (TEXT, TEXT, TEXT, TEXT, TEXT, NUMBER, TEXT, TEXT, TEXT, NUMBER, NUMBER, LONG_TEXT, TEXT, LONG_TEXT, DATETIME)


def _columns(key: str, kinds: tuple[str, ...], lang: str | None) -> list[Column]:
    return [Column(header, kind) for header, kind in zip(t(key, lang).split("|"), kinds, strict=True)]


def export_xlsx(session: Session, path: str | Path, rubric: Rubric, unit_path: str | None = None,
                lang: str | None = None, now: datetime | None = None) -> int:
    """Write the workbook; returns the number of result rows."""
    found = ratings.all_ratings(session, unit_path, rubric)
    results = []
    for r in found:
        seen = ratings.satisfaction(session, r.compound_id, r.period, rubric)
        results.append([r.period, r.street_name, r.compound_name, r.company_name, r.party_score, r.service_score,
                        r.total, r.stars, t("cli.eval.yes" if r.vetoed else "cli.eval.no", lang), r.street_rank,
                        r.district_rank, r.evaluations, round(seen.share, 3) if seen.share is not None else None])
    details = []
    names: dict[int, str] = {}
    for e in evaluations.evaluations(session, unit_path, include_history=True):
        compound = names.setdefault(e.compound_id, _name(session, e.compound_id))
        vetoes = "、".join(rubric.veto(v).label(lang) if rubric.veto(v) else v for v in e.vetoes)
        for s in e.scores:
            item = rubric.item(s.item)
            details.append([e.period, compound, e.company_name, e.evaluator_name, t(f"role.{e.role}", lang), e.version,
                            t("cli.eval.yes" if e.current else "cli.eval.no", lang),
                            rubric.part(s.part).label(lang) if item else s.part, item.label(lang) if item else s.item,
                            item.max if item else None, s.points, s.note or "", vetoes, e.veto_note or "", e.submitted_at])
    title = title_line(lang, now or utcnow(), rubric.zone, t("eval.xlsx.title", lang), unit_path or t("eval.xlsx.everywhere", lang))
    book = Book(rubric.zone)
    book.sheet(t("eval.xlsx.results", lang), title, _columns("eval.xlsx.results_head", RESULT_KINDS, lang), results)
    book.sheet(t("eval.xlsx.details", lang), title, _columns("eval.xlsx.details_head", DETAIL_KINDS, lang), details)
    book.save(path)
    return len(found)


def _name(session: Session, unit_id: int) -> str:
    from ..storage.models import OrgUnit

    return session.get(OrgUnit, unit_id).name
