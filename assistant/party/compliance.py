"""Organisation compliance (组通〔2020〕15号 clauses 1–3, 9): every rule a unit breaks, citing the clause.

The facts come from `committees.compliance_facts`; the numbers from the `compliance` block of party.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..messages import t
from ..policy.loader import PartyPolicy
from .seats import UnitFacts, compliance_facts

DOC = "组通〔2020〕15号"
ORGAN_OF_LEVEL = {"street": "street_committee", "community": "community_committee", "compound": "branch_committee"}
CLAUSE = {"street_committee": "二、（一）1.", "community_committee": "二、（一）2.", "branch_committee": "二、（一）3.",
          "party_group": "二、（一）3.", "branch": "二、（一）3.", "owners_committee": "二、（三）9."}
BREACH, NOTE = "breach", "note"


@dataclass(frozen=True)
class Finding:
    """One rule a unit breaks (or, for a note, sits at the edge of)."""

    unit_id: int
    unit_path: str
    rule: str  # catalogue key suffix: count_low, count_high, count_warn, no_party_group, no_branch, owners_share
    clause: str
    severity: str
    values: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        values = dict(self.values)
        if "organ" in values:
            values["organ"] = t(f"compliance.organ.{values['organ']}", lang)
        if "position" in values:
            values["position"] = t(f"compliance.position.{values['position']}", lang)
        text = t(f"compliance.{self.rule}", lang, **values)
        return t("compliance.line", lang, path=self.unit_path, text=text, doc=DOC, clause=self.clause)


def _counts(facts: UnitFacts, organ: str, policy: PartyPolicy) -> list[Finding]:
    seats = facts.seats_by_organ_position.get(organ, {})
    found = []
    for key, rule in policy.committee_rules.get(organ, {}).items():
        count = sum(seats.values()) if key == "total" else seats.get(key, 0)
        values = {"organ": organ, "position": key, "count": count}
        if rule.min is not None and count < rule.min:
            found.append(Finding(facts.unit_id, facts.path, "count_low", CLAUSE[organ], BREACH, {**values, "bound": rule.min}))
        elif rule.max is not None and count > rule.max:
            found.append(Finding(facts.unit_id, facts.path, "count_high", CLAUSE[organ], BREACH, {**values, "bound": rule.max}))
        elif rule.warn_above is not None and count > rule.warn_above:
            found.append(Finding(facts.unit_id, facts.path, "count_warn", CLAUSE[organ], NOTE,
                                 {**values, "bound": rule.warn_above}))
    return found


def check_facts(facts: list[UnitFacts], policy: PartyPolicy) -> list[Finding]:
    """Every finding for these units, in tree order."""
    findings: list[Finding] = []
    for unit in facts:
        organ = ORGAN_OF_LEVEL.get(unit.level)
        if organ and (unit.level != "compound" or unit.has_branch):
            findings += _counts(unit, organ, policy)
        if unit.level == "building" and not unit.has_party_group and unit.full_members >= policy.party_group_min_members:
            findings.append(Finding(unit.unit_id, unit.path, "no_party_group", CLAUSE["party_group"], BREACH,
                                    {"count": unit.full_members, "bound": policy.party_group_min_members}))
        if unit.level == "compound" and not unit.has_branch and unit.full_members >= policy.branch_min_members:
            findings.append(Finding(unit.unit_id, unit.path, "no_branch", CLAUSE["branch"], BREACH,
                                    {"count": unit.full_members, "bound": policy.branch_min_members}))
        total, party = unit.owners_committee_total, unit.owners_committee_party
        if total and party is not None and party / total < policy.owners_committee_party_share:
            findings.append(Finding(unit.unit_id, unit.path, "owners_share", CLAUSE["owners_committee"], BREACH,
                                    {"party": party, "total": total,
                                     "share": f"{policy.owners_committee_party_share:.0%}"}))
    return findings


def check(session: Session, policy: PartyPolicy, root_unit_id: int | None = None) -> list[Finding]:
    """Every finding in the subtree of `root_unit_id` (the whole tree when None)."""
    return check_facts(compliance_facts(session, root_unit_id), policy)
