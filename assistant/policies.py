"""The policy bundle a running assistant holds (`Runtime.policies`) and passes explicitly to every service.

No service reads a process-wide default: the needs policy, the party policy, the evaluation rubric and the
free-text intake rules all come from here (or from a test that builds its own bundle).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .config import Settings
from .needs.freetext import IntakeRules, load_rules
from .policy.loader import NeedsPolicy, PartyPolicy, load_needs_policy, load_party_policy
from .policy.rubric import Rubric, load_rubric


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
        """Every policy file named by the settings (the shipped ones when unset), validated."""
        return cls(needs=load_needs_policy(settings=settings), party=load_party_policy(settings.party_policy_file),
                   rubric=load_rubric(settings.rubric_policy_file), intake=load_rules())

    def but(self, **changes) -> Policies:
        """A copy with some policies replaced (tests, alternative deployments)."""
        return replace(self, **changes)
