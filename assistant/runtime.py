"""What a running assistant holds: settings, the database, the policies, the knowledge index and the LLM."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from .config import Settings
from .policies import Policies
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
        self.policies  # a bad policy file stops the start with a clear message

    @cached_property
    def policies(self) -> Policies:
        """The needs, party, rubric and intake policies, validated at start-up; passed to every service."""
        return Policies.load(self.settings)

    @cached_property
    def live_index(self):
        """The knowledge index, opened once (built on first use) and re-indexed in the background."""
        from .knowledge.live import LiveIndex
        from .llm.provider import embeddings

        return LiveIndex(self.settings, embeddings(self.settings)).sync()  # the bundled e5 unless an endpoint is set

    @property
    def index(self):
        """The index to answer the next question from (a re-index never makes it wait)."""
        return self.live_index.current

    def close(self) -> None:
        """Stop background work (a re-index under way publishes nothing)."""
        if self.index_loaded:
            self.live_index.close()

    @property
    def index_loaded(self) -> bool:
        """Whether the knowledge index has been opened (the cached property holds it)."""
        return "live_index" in self.__dict__

    def health(self) -> dict[str, bool]:
        """What /healthz reports: the database answers, the knowledge index is loaded."""
        return {"database": self.db.reachable(), "index": self.index_loaded}

    @cached_property
    def llm(self):
        """The configured chat model (LLM_BASE_URL, LLM_MODEL), or None: everything then works by the rules."""
        from .llm.provider import chat_model

        return chat_model(self.settings)
