"""What a running assistant holds: settings, the database and the knowledge index (opened lazily)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .config import Settings
from .storage.db import Database, open_database


@dataclass
class Runtime:
    """Shared by every channel; handlers reach it through `context.bot_data["runtime"]`."""

    settings: Settings
    channel: str = "telegram"
    db: Database | None = field(default=None)

    def __post_init__(self) -> None:
        if self.db is None:
            self.db = open_database(self.settings)

    @cached_property
    def index(self):
        from .knowledge.index import open_index

        return open_index(self.settings)
