"""Property companies, their service contracts, evaluations (clause 12) and owners' committees (clause 9)."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.storage.models.base import Base, _in, utcnow

if TYPE_CHECKING:
    from assistant.storage.models.org import OrgUnit, Person

# 业主委员会 (clause 9): 主任, 副主任, 委员.
OWNERS_ROLES: tuple[str, ...] = ("chair", "vice_chair", "member")


class PropertyCompany(Base):
    """A property-management company (物业企业); `party_org` records whether it has a party organisation
    (clause 4, "红色物业")."""

    __tablename__ = "property_companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(32), unique=True)  # 统一社会信用代码
    party_org: Mapped[bool] = mapped_column(Boolean, default=False)
    contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceContract(Base):
    """A company serves a compound from `starts_on` to `ends_on` (open when None); the liaison is the company's
    物业联络员 (clause 11)."""

    __tablename__ = "service_contracts"
    __table_args__ = (
        UniqueConstraint("company_id", "compound_id", "starts_on"),
        Index("ix_service_contracts_compound_starts", "compound_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    liaison_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company: Mapped[PropertyCompany] = relationship()
    compound: Mapped[OrgUnit] = relationship(foreign_keys=[compound_id])
    liaison: Mapped[Person | None] = relationship(foreign_keys=[liaison_person_id])


class Evaluation(Base):
    """One evaluator's scoring of a company in a compound for a period. A resubmission is a new version; the
    earlier one stays with `current` false (history kept)."""

    __tablename__ = "property_evaluations"
    __table_args__ = (
        UniqueConstraint("company_id", "compound_id", "period", "evaluator_id", "version",
                         name="uq_property_evaluations_version"),
        Index("ix_property_evaluations_period_current", "period", "current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    party_score: Mapped[float] = mapped_column(Float)
    service_score: Mapped[float] = mapped_column(Float)
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    company: Mapped[PropertyCompany] = relationship()
    evaluator: Mapped[Person] = relationship(foreign_keys=[evaluator_id])


class EvaluationScore(Base):
    """The points given for one rubric item, with the reason for any deduction."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (UniqueConstraint("evaluation_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("property_evaluations.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(32))
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)


class EvaluationVeto(Base):
    """A ticked item of the one-vote-veto list (一票否决)."""

    __tablename__ = "evaluation_vetoes"
    __table_args__ = (UniqueConstraint("evaluation_id", "veto"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("property_evaluations.id", ondelete="CASCADE"))
    veto: Mapped[str] = mapped_column(String(32))


class OwnersCommitteeMember(Base):
    """A member of a compound's owners' committee (业委会) with their role; party status is the person's."""

    __tablename__ = "owners_committee_members"
    __table_args__ = (
        UniqueConstraint("compound_id", "person_id"),
        CheckConstraint(_in("role", OWNERS_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()
