"""Storage tests use the `db_url`, `db`, `cfg` and `tree` fixtures of tests/conftest.py."""
import pytest


@pytest.fixture
def real_upgrade(request) -> bool:
    """The migration tests run the real Alembic upgrade on an empty database, not a copy of the template."""
    return request.module.__name__.rsplit(".", 1)[-1] == "test_migrations"
