"""What a running assistant holds: settings, the database and the knowledge index (opened lazily)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from .config import Settings
from .storage.db import Database, open_database
from .storage.models import utcnow


@dataclass
class Runtime:
    """Shared by every channel; handlers reach it through `context.bot_data["runtime"]`."""

    settings: Settings
    channel: str = "telegram"
    db: Database | None = field(default=None)
    clock: Callable[[], datetime] = utcnow  # tests replace it to move time forward
    recent_updates: OrderedDict = field(default_factory=OrderedDict)  # the duplicate guard's memory

    def __post_init__(self) -> None:
        if self.db is None:
            self.db = open_database(self.settings)
        from .policy import PolicyError

        failures = []  # a bad policy file stops the start, listing every problem of every file
        for policy in ("needs_policy", "party_policy", "rubric", "intake_rules"):
            try:
                getattr(self, policy)
            except PolicyError as error:
                failures.append(error)
        if failures:
            raise PolicyError.joined(failures)

    @cached_property
    def needs_policy(self):
        """The needs-list policy (categories, SLA, escalation chain), validated at start-up."""
        from .policy.loader import load_needs_policy

        return load_needs_policy(settings=self.settings)

    @cached_property
    def party_policy(self):
        """The party-member policy (check-in deadlines, points, cases, compliance rules), validated at start-up."""
        from .policy.loader import load_party_policy

        return load_party_policy(self.settings.party_policy_file)

    @cached_property
    def rubric(self):
        """The property-company evaluation rubric (双百分, veto list, stars, weights), validated at start-up."""
        from .policy.rubric import load_rubric

        return load_rubric(self.settings.rubric_policy_file)

    @cached_property
    def intake_rules(self):
        """The cues telling a need from a question in free text (intake.yaml), validated at start-up."""
        from .policy.intake import load_intake_rules

        return load_intake_rules(settings=self.settings)

    @cached_property
    def index(self):
        from .knowledge.index import open_index

        return open_index(self.settings)

    @cached_property
    def llm(self):
        """The configured chat model (LLM_BASE_URL, LLM_MODEL), or None: everything then works by the rules."""
        from .llm.provider import chat_model

        return chat_model(self.settings)
