"""Storage and service tests, run on SQLite and on the machine's PostgreSQL."""
