"""What every command module shares: settings, the database session with the policies, resolvers that exit
with a catalogue message, and --json output. The CLI is trusted: it acts as no person."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from ..config import get_settings
from ..errors import Invalid
from ..messages import t

SHANGHAI = ZoneInfo("Asia/Shanghai")


def settings():
    """The process's settings (tests replace `get_settings` here)."""
    return get_settings()


def fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def load_policies(config=None):
    """The policy bundle named by the settings; a bad file prints its error and exits with 1."""
    from ..policies import Policies
    from ..policy import PolicyError

    try:
        return Policies.load(config or settings())
    except (PolicyError, ValueError) as error:
        fail(str(error))


@contextmanager
def session(read_only: bool = False):
    """(session, policies) on the configured database; commits on success (`read_only`: a report that takes
    no write lock on SQLite)."""
    from ..storage.db import open_database

    config = settings()
    policies = load_policies(config)
    db = open_database(config)
    try:
        with db.session(read_only) as s:
            yield s, policies
    finally:
        db.dispose()


def error_text(error) -> str:
    """A domain error as catalogue text (every field of an Invalid)."""
    keys = [key for _, key in error.errors] if isinstance(error, Invalid) else [error.key]
    lines = []
    for key in dict.fromkeys(keys):
        try:
            lines.append(t(key, **error.values))
        except KeyError:  # a key whose placeholders the error does not carry
            lines.append(t("need.err.invalid"))
    return "\n".join(lines)


def unit(s, ref: str):
    """The unit by id, code, name or path, else exit with the candidates or 'not found'."""
    from ..org import tree as org

    try:
        found = org.find_unit(s, ref)
    except org.AmbiguousUnit as error:
        lines = [t("org.candidate", id=u.id, path=org.breadcrumb(s, u)) for u in error.candidates]
        fail(t("org.unit_ambiguous", unit=ref, candidates="\n".join(lines)))
    if found is None:
        fail(t("org.unit_not_found", unit=ref))
    return found


def compound(s, ref: str):
    from ..org.tree import breadcrumb, level_name

    found = unit(s, ref)
    if found.level != "compound":
        fail(t("cli.tasks.not_compound", unit=breadcrumb(s, found), level=level_name(found.level)))
    return found


def person(s, ref: str, **new_fields):
    """The person by id, phone or name (as everywhere), else exit with the candidates or 'not found'; with
    `new_fields` an unknown name creates the person instead (get_or_create_person)."""
    from ..org.directory import ambiguous_text
    from ..org.people import AmbiguousPerson, find_person, get_or_create_person

    try:
        found = find_person(s, ref)
    except AmbiguousPerson as error:
        fail(ambiguous_text(s, None, error))
    if found is None and new_fields:
        found = get_or_create_person(s, ref, **new_fields)
    if found is None:
        fail(t("cli.tasks.person_not_found", person=ref))
    return found


def when(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else t("cli.needs.unset")


def jsonable(value: Any) -> Any:
    """Dataclass dicts with ISO 8601 times (UTC offset) and lists for tuples."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def echo_json(value: Any) -> None:
    typer.echo(json.dumps(jsonable(value), ensure_ascii=False))
