"""Bot fixtures: settings on the test database with the knowledge index shared by the session."""
from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.knowledge.index import open_index
from assistant.org import invites
from assistant.org.tree import find_unit

from ..conftest import built_corpus
from ..helpers.shared import copy_of


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory):
    """The data dir of the bot tests (one per xdist worker), its index built before the first test: a bot's
    first policy answer then opens the index instead of building it inside a test's reply timeout."""
    path = copy_of(built_corpus(tmp_path_factory) / "data", tmp_path_factory.mktemp("bot-data"))  # the run's build
    open_index(Settings(data_dir=path), progress=False)  # opens the copy, checked against the corpus
    return path


@pytest.fixture
def bot_settings(shared_data_dir, db_url, tree) -> Settings:
    """The example tree on SQLite or PostgreSQL; the index lives in a data dir shared by the session."""
    return Settings(data_dir=shared_data_dir, DATABASE_URL=db_url, telegram_bot_token="123456:TEST")


def make_code(settings: Settings, db, role: str, unit: str, **kwargs) -> str:
    """An invite code created the way `assistant invite` does."""
    with db.session() as session:
        return invites.create_invite(session, settings, role, find_unit(session, unit), **kwargs).code
