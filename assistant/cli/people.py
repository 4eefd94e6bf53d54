"""`assistant people import/list/show/revoke/move` and `assistant audit` (the CLI is trusted: full phones).

Registered in cli/__init__.py with `app.add_typer(people_app, name="people")` and `app.command("audit")(audit)`.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import typer

from ..errors import DomainError
from ..messages import t
from ..org.directory import card_text, listing_text
from ..storage.models import ROLES
from ._common import (Bar, choice, echo_json, error_text, fail, json_option, person, session, settings,
                      unit, when)

people_app = typer.Typer(help="People and their roles: import a roster, list, show, revoke, move.",
                         no_args_is_help=True)


@people_app.command("import")
def people_import(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx roster.")) -> None:
    """Import people from CSV/XLSX (columns name, phone, role, unit, party_member, work_unit); all rows or none."""
    from ..org.roster import import_people
    from ..org.tree import OrgImportError
    from ..storage.db import open_database

    db = open_database(settings())
    try:
        with Bar() as bar:
            report = import_people(db, file, track=bar.track)
    except OrgImportError as error:
        fail(error.message())
    finally:
        db.dispose()
    typer.echo(t("people.imported", **asdict(report)))


@people_app.command("list")
def people_list(
    unit_ref: Optional[str] = typer.Option(None, "--unit", help="Only people bound at this unit or below it."),
    everyone: bool = typer.Option(False, "--all", help="Also the people without any role (e.g. after their last "
                                  "role was revoked); they are bound nowhere, so not with --unit."),
    as_json: bool = json_option(),
) -> None:
    """List the people with a role, by name (--all: everyone, also those without a role)."""
    from ..org.directory import list_people

    with session(read_only=True) as (s, _policies):
        views = list_people(s, None, unit(s, unit_ref).id if unit_ref else None, everyone=everyone)
    if as_json:
        echo_json(views)
    else:
        typer.echo(listing_text(views))


@people_app.command("show")
def people_show(
    ref: str = typer.Argument(..., help="Id, phone or name."),
    as_json: bool = json_option(),
) -> None:
    """Show one person with every role (also a person without any role left)."""
    from ..org.directory import show

    with session(read_only=True) as (s, _policies):
        view = show(s, None, person(s, ref).id)
    echo_json(view) if as_json else typer.echo(card_text(view))


@people_app.command("revoke")
def people_revoke(
    ref: str = typer.Argument(..., help="Id, phone or name."),
    role: str = choice(..., "--role", ROLES, help="The role to take away."),
    unit_ref: Optional[str] = typer.Option(None, "--unit", help="Where (needed when held at several units)."),
) -> None:
    """Take a role away from a person (a grid worker who leaves); recorded in the audit trail."""
    from ..org.directory import revoke

    with session() as (s, _policies):
        who = person(s, ref)
        try:
            removed = revoke(s, None, who.id, role, unit(s, unit_ref).id if unit_ref else None)
        except (DomainError, ValueError) as error:
            fail(error_text(error) if isinstance(error, DomainError) else str(error))
        typer.echo(t("people.revoked", name=who.name, role=t(f"role.{removed.role}"), unit=removed.unit_path))


@people_app.command("move")
def people_move(
    ref: str = typer.Argument(..., help="Id, phone or name."),
    role: str = choice(..., "--role", ROLES, help="The role to move."),
    to: str = typer.Option(..., "--to", help="The new unit (id, code, name or path)."),
    from_ref: Optional[str] = typer.Option(None, "--from", help="The old unit (needed when held at several)."),
) -> None:
    """Move a person's role to another unit of the same level; recorded in the audit trail."""
    from ..org.directory import move

    with session() as (s, _policies):
        who = person(s, ref)
        try:
            moved = move(s, None, who.id, role, unit(s, to).id, unit(s, from_ref).id if from_ref else None)
        except (DomainError, ValueError) as error:
            fail(error_text(error) if isinstance(error, DomainError) else str(error))
        typer.echo(t("people.moved", name=who.name, role=t(f"role.{moved.role}"), unit=moved.unit_path))


def _since(value: str | None, zone: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(t("audit.bad_since", value=value))
    if parsed.tzinfo is None:
        parsed = (datetime.combine(parsed.date(), time()) if len(value) <= 10 else parsed).replace(tzinfo=zone)
    return parsed


def audit(
    unit_ref: Optional[str] = typer.Option(None, "--unit", help="Only events at this unit or below it."),
    since: Optional[str] = typer.Option(None, "--since", help="From this day or time on (the deployment's time zone), "
                                        "e.g. 2026-12-01."),
    as_json: bool = json_option(),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", dir_okay=False, help="Write the events as an XLSX sheet."),
) -> None:
    """The audit trail: role grants and revocations, invites, imports, task-list and resource changes, changed
    policy files loaded."""
    from ..org.auditlog import events, write_xlsx
    from ..org.people import shown_name

    with session(read_only=True) as (s, policies):
        zone = policies.needs.zone
        start = _since(since, zone)
        where = unit(s, unit_ref) if unit_ref else None
        found = events(s, where.id if where else None, start)
        where_name = where.name if where else None
    if xlsx is not None:
        write_xlsx(found, xlsx, zone, None, where_name, start)
        typer.echo(t("audit.saved", count=len(found), path=xlsx))
    elif as_json:
        echo_json(found)
    elif not found:
        typer.echo(t("audit.none"))
    else:
        typer.echo("\n".join(t("audit.line", at=when(e.at, zone), actor=shown_name(e.actor_name) or t("audit.cli"),
                               action=t(f"audit.action.{e.action}"), subject=shown_name(e.subject), unit=e.unit_path)
                             for e in found))
