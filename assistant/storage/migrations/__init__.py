"""Alembic migrations, shipped inside the package and run by assistant.storage.db.upgrade."""
