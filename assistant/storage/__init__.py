"""SQL storage (SQLAlchemy 2, Alembic) for people, the organisation tree and workflows."""
