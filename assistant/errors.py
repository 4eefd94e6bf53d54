"""The one error kernel: every refusal a domain raises carries a catalogue key and its placeholders.

    DomainError(key, **values).message(lang)   the refusal in the user's language
    NotAllowed      the person may not do this here (also a PermissionError)
    NotFound        no such row (also a LookupError)
    Invalid         bad input; `errors` lists (field, key) pairs (also a ValueError)
    InvalidTransition  the record's status does not allow this step
    Unreadable      input no step can read: a forged or outdated button, a malformed command argument

`load` reads a row or raises NotFound (also for an id too large to be stored); `now_or` gives services their clock: `now` (timezone-aware), else UTC now.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .messages import t


class DomainError(Exception):
    """A refused domain operation; `key` is a catalogue key, `values` its placeholders."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(f"{key} {values}" if values else key)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.values)


class NotAllowed(DomainError, PermissionError):
    """The person may not do this here."""


class NotFound(DomainError, LookupError):
    """No row with this id (need, resource, check-in, case, entry, person, unit, company…)."""


class Invalid(DomainError, ValueError):
    """Bad input: `Invalid([(field, key), ...])` for a form, `Invalid(key, **values)` for one value.

    `errors` lists the (field, key) pairs; `key` is the first one's."""

    def __init__(self, errors: list[tuple[str, str]] | str, **values: Any) -> None:
        if isinstance(errors, str):
            self.errors = [("", errors)]
            super().__init__(errors, **values)
            return
        self.errors = list(errors)
        super().__init__(self.errors[0][1] if self.errors else "need.err.invalid", **values)


class Unreadable(DomainError):
    """Input no step can read (a forged or outdated button, a malformed argument); domain-neutral."""

    def __init__(self, key: str = "bot.stale_button", **values: Any) -> None:
        super().__init__(key, **values)


MAX_ID = 2**63 - 1  # the largest row id any database here stores; a larger one names no row


class InvalidTransition(DomainError):
    """The status does not allow this step (values: status and, if any, action; shown with their catalogue
    labels `<domain>.status.<status>` and `<domain>.action.<action>`)."""

    def __init__(self, key: str, domain: str = "need", **values: Any) -> None:
        self.domain = domain
        super().__init__(key, **values)

    def message(self, lang: str | None = None) -> str:
        labels = {name: t(f"{self.domain}.{name}.{self.values[name]}", lang)
                  for name in ("status", "action") if name in self.values}
        return t(self.key, lang, **{**self.values, **labels})


def load(session, model, row_id: int, key: str):
    """The row of `model` with this id, or NotFound(key, id=row_id)."""
    row = session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise NotFound(key, id=row_id)
    return row


def now_or(now: datetime | None) -> datetime:
    """`now` if given (it must be timezone-aware), else the current UTC time."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass timezone-aware times")
    return now
