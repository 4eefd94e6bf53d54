"""Storage tests use the `db_url`, `db`, `cfg` and `tree` fixtures of tests/conftest.py."""
