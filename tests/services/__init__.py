"""Needs-list services (issue 4), run on SQLite and on the machine's PostgreSQL."""
