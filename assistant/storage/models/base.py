"""ORM models: the six-level organisation tree, people, roles, channel accounts, invites and JSON state.

All times are timezone-aware UTC (`UTCDateTime` stores naive UTC on SQLite, timestamptz on PostgreSQL).
Changing anything here needs a new Alembic revision in `migrations/versions/`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

# 区/县委 > 街道大工委 > 社区大党委 > 小区/网格党支部 > 楼栋 > 户 (组通〔2020〕15号 一、总体目标)
LEVELS: tuple[str, ...] = ("district", "street", "community", "compound", "building", "household")
ROLES: tuple[str, ...] = (
    "admin", "district", "street", "community", "branch_secretary", "branch_member", "building_leader",
    "household_cadre", "property_liaison", "owners_committee", "resident",
)
CHANNELS: tuple[str, ...] = ("telegram", "terminal")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator):
    """A DateTime that only accepts aware datetimes and always returns aware UTC ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}
