"""The policy bundle a running assistant holds (`Runtime.policies`) and passes explicitly to every service.

No service reads a process-wide default: the needs policy, the party policy, the evaluation rubric and the
free-text intake rules all come from here (or from a test that builds its own bundle).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .config import Settings
from .policy import PolicyError
from .policy.intake import SHIPPED_INTAKE_RULES, IntakeRules, load_intake_rules
from .policy.loader import (
    SHIPPED_NEEDS_POLICY, SHIPPED_PARTY_POLICY, NeedsPolicy, PartyPolicy, load_needs_policy, load_party_policy,
)
from .policy.rubric import SHIPPED_RUBRIC, Rubric, load_rubric


@dataclass(frozen=True)
class Policies:
    """needs (categories, SLA, escalation chain), party (check-ins, points, cases, compliance), rubric (双百分),
    intake (need or question?)."""

    needs: NeedsPolicy
    party: PartyPolicy
    rubric: Rubric
    intake: IntakeRules

    @classmethod
    def load(cls, settings: Settings) -> Policies:
        """Every policy file named by the settings (the shipped ones when unset), validated; a bad file stops
        the start with one error listing every problem of every file."""
        loaders = {
            "needs": lambda: load_needs_policy(settings=settings),
            "party": lambda: load_party_policy(settings.party_policy_file),
            "rubric": lambda: load_rubric(settings.rubric_policy_file),
            "intake": lambda: load_intake_rules(settings=settings),
        }
        loaded, failures = {}, []
        for name, load in loaders.items():
            try:
                loaded[name] = load()
            except PolicyError as error:
                failures.append(error)
        if failures:
            raise PolicyError.joined(failures)
        return cls(**loaded)

    @staticmethod
    def files(settings: Settings) -> dict[str, Path]:
        """The file each policy is read from: the one a setting names, else the shipped one."""
        return {"needs": settings.needs_policy_file or SHIPPED_NEEDS_POLICY,
                "party": settings.party_policy_file or SHIPPED_PARTY_POLICY,
                "rubric": settings.rubric_policy_file or SHIPPED_RUBRIC,
                "intake": settings.intake_policy_file or SHIPPED_INTAKE_RULES}

    def but(self, **changes) -> Policies:
        """A copy with some policies replaced (tests, alternative deployments)."""
        return replace(self, **changes)
