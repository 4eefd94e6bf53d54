"""Shared fixtures: settings in a temporary data dir, one index built over the real corpus, and a `db`
over SQLite (a file in the test's tmp_path) and the machine's PostgreSQL (a database of the test's own).

The databases are copies of templates migrated once per session and xdist worker (tests/helpers/databases.py):
a test that asks for `db` gets a copy already at head, one that asks for `tree` a copy with the example org
already imported, one that asks only for `db_url` (or `cfg`) an empty database. The migration tests
(tests/storage/conftest.py: `real_upgrade`) run the real Alembic upgrade on an empty database instead.

PostgreSQL is always there (also in CI): when it is unreachable the tests fail, they are not skipped.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge.index import open_index
from assistant.org.tree import import_org
from assistant.storage.db import Database, upgrade

from .helpers import ordering
from .helpers.databases import Copy, PostgresTemplates, SQLiteTemplates
from .helpers.shared import built_once, copy_of

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Seconds the longest tests take (a prefix of node ids; measured by --durations on a loaded 2-core machine), for the
# order the workers take them in when this checkout has no measurements of its own (tests/helpers/ordering.py).
LONG = {
    "tests/handlers/test_permission_matrix.py": 65, "tests/handlers/test_crash.py": 40,
    "tests/cli/test_db.py::test_restore_refuses_what_is_not_a_backup": 35, "tests/cli/test_db.py::test_unreachable": 30,
    "tests/cli/test_people.py::test_roster_import": 30, "tests/handlers/test_check.py::test_seats_entered": 25,
    "tests/cli/test_options.py::test_list_json": 25, "tests/cli/test_options.py::test_imports_show_a_bar": 20,
    "tests/cli/test_options.py::test_the_shell_completes": 16, "tests/handlers/test_terminal.py": 25,
    "tests/cli/test_knowledge.py::test_ask_json_stdin": 20, "tests/cli/test_knowledge.py::test_ingest_command": 20,
    "tests/cli/test_knowledge.py::test_ask_json_builds": 18, "tests/llm/test_cli_llm.py::test_configured": 25,
    "tests/llm/test_cli_llm.py::test_rejected": 12, "tests/knowledge/test_answer.py::test_retrieval_regression": 25,
    "tests/handlers/test_run_bot.py": 25, "tests/handlers/test_reindex.py": 20, "tests/handlers/test_fuzz.py": 15,
    "tests/handlers/test_personal_data.py": 20, "tests/cli/test_people.py::test_audit_workbook": 11,
    "tests/cli/test_notices.py": 11, "tests/bench/test_locks_bench.py": 11, "tests/cli/test_checkins.py": 9,
    "tests/knowledge/test_live.py::test_assistant_ask_answers_while": 12, "tests/cli/test_knowledge.py::test_ingest": 9,
    "tests/test_emulator_harness.py::test_start_command_with_deep_link_payload": 10, "tests/cli/test_digest.py": 8,
    "tests/cli/test_read_locks.py::test_every_read_command": 9, "tests/bench/test_digest_bench.py": 8,
    "tests/deploy/test_deploy_files.py::test_the_commands_named_run": 10, "tests/handlers/test_digest.py": 5,
}


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist) records what each test took
        config.pluginmanager.register(ordering.Recorder(config), "assistant-durations")


def pytest_collection_modifyitems(config, items):
    """The longest tests first, spread over the workers (tests/helpers/ordering.py)."""
    cache = getattr(config, "cache", None)
    measured = cache.get(ordering.DURATIONS, {}) if cache is not None else {}
    ordering.reorder(items, ordering.expected(items, LONG, measured), ordering.workers())


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    return SQLiteTemplates(tmp_path_factory.mktemp("db-templates"), EXAMPLES / "org_example.csv")


@pytest.fixture(scope="session")
def postgres_templates():
    templates = PostgresTemplates(PG_URL, EXAMPLES / "org_example.csv")
    yield templates
    templates.close()


@pytest.fixture
def real_upgrade() -> bool:
    """False: `db` is a copy of the session's migrated template (overridden where migrations are tested)."""
    return False


@pytest.fixture(params=["sqlite", "postgresql"])
def db_copy(request, tmp_path, real_upgrade) -> Copy:
    """The test's own database, as far along as the test needs: empty, migrated, or with the org."""
    names = request.fixturenames
    kind = "empty" if real_upgrade else "org" if "tree" in names else "schema" if "db" in names else "empty"
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_templates").copy(kind, tmp_path)
        return
    templates = request.getfixturevalue("postgres_templates")
    copy = templates.copy(kind)
    try:
        yield copy
    finally:
        templates.release(copy)


@pytest.fixture
def db_url(db_copy) -> str:
    """A database URL of the test's own (empty unless the test also asks for `db` or `tree`)."""
    return db_copy.url


@pytest.fixture
def db(db_copy):
    """A migrated database, disposed after the test."""
    if not db_copy.migrated:
        upgrade(db_copy.url)
    database = Database.from_url(db_copy.url)
    yield database
    database.dispose()


@pytest.fixture
def cfg(tmp_path, db_url) -> Settings:
    """Settings pointing at the test database (invite defaults: 7 days, 5 failures per 15 minutes)."""
    return Settings(data_dir=tmp_path / "data", DATABASE_URL=db_url)


@pytest.fixture
def tree(db, db_copy):
    """The example tree imported."""
    if not db_copy.has_org:
        import_org(db, EXAMPLES / "org_example.csv")
    return db


def make_settings(tmp: Path, **overrides) -> Settings:
    return Settings(data_dir=tmp / "data", **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def built_corpus(tmp_path_factory) -> Path:
    """A data dir (`<it>/data`) with the directive indexed (the default corpus, default settings), built once per
    run for all xdist workers (tests/helpers/shared.py); use a copy."""
    return built_once(tmp_path_factory, "corpus-index", lambda root: open_index(make_settings(root), progress=False))


@pytest.fixture
def indexed_data_dir(tmp_path_factory, tmp_path) -> Path:
    """`tmp_path/data` holding a copy of the run's `built_corpus`: a data dir whose index is built (for a command or
    a bot whose test is not about the first build)."""
    return copy_of(built_corpus(tmp_path_factory) / "data", tmp_path / "data")


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """The directive indexed once for the whole session (embedded Chroma, e5 embeddings): a copy of the run's
    `built_corpus`, opened (and checked against the corpus) by `open_index`."""
    return open_index(make_settings(copy_of(built_corpus(tmp_path_factory), tmp_path_factory.mktemp("corpus"))))


@pytest.fixture(scope="session")
def built_live(tmp_path_factory) -> Path:
    """A directive corpus (`<it>/corpus`, a copy of docs_corpus) and its data dir (`<it>/data`) with the first
    generation built by a LiveIndex (embed_batch_size 4), once per run for all xdist workers (the first build is
    ~10 s of Chroma writes); each test works on a copy of its own."""
    from assistant.knowledge.live import LiveIndex

    from .helpers.corpus import GatedEmbeddings, directive_corpus

    def build(root: Path) -> None:
        settings = make_settings(root, corpus_dir=directive_corpus(root / "corpus"), embed_batch_size=4)
        LiveIndex(settings, GatedEmbeddings()).close()

    return built_once(tmp_path_factory, "live-index", build)
