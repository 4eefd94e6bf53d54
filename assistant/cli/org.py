"""Administration commands: `assistant org import/export`, `assistant invite` (`assistant db` is in cli/db.py).

Registered in cli/__init__.py with `app.add_typer(org_app, name="org")` and `app.command("invite")(invite)`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..messages import CATALOGUE, t, zone_name
from ..storage.models import ROLES
from ._common import Bar, choice, load_policies
from ._common import fail as _fail
from ._common import settings as get_settings
from ._common import unit as find_unit_or_exit

org_app = typer.Typer(help="The organisation tree: district > street > community > compound > building > household.",
                      no_args_is_help=True)


def _role_name(role: str) -> str:
    return t(f"role.{role}") if f"role.{role}" in CATALOGUE else role


@org_app.command("import")
def org_import(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file.")) -> None:
    """Import the tree from CSV/XLSX (columns level, name, parent, code); all rows or none."""
    from ..org.tree import OrgImportError, import_org
    from ..storage.db import open_database

    db = open_database(get_settings())
    try:
        with Bar() as bar:
            report = import_org(db, file, bar.track)
    except OrgImportError as error:
        _fail(error.message())
    finally:
        db.dispose()
    typer.echo(t("org.imported", created=report.created, updated=report.updated, unchanged=report.unchanged))


@org_app.command("export")
def org_export(file: Path = typer.Argument(..., dir_okay=False, help="A .csv or .xlsx file to write.")) -> None:
    """Export the tree to CSV/XLSX in the import format."""
    from ..org.tree import export_org
    from ..storage.db import open_database

    db = open_database(get_settings())
    try:
        count = export_org(db, file, zone=load_policies().needs.zone)
    except ValueError as error:
        _fail(str(error))
    finally:
        db.dispose()
    typer.echo(t("org.exported", count=count, path=file))


def invite(
    role: str = choice(..., "--role", ROLES, help="The role the code grants."),
    unit: str = typer.Option(..., "--unit", help="Unit id, code, name or name path (澄江街道/梅园社区)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the person to register."),
) -> None:
    """Create a one-time invite code for a role at a unit and print it with its expiry."""
    from ..org import tree as org
    from ..org.invites import create_invite
    from ..org.permissions import ROLE_LEVELS
    from ..storage.db import open_database
    settings = get_settings()
    db = open_database(settings)
    try:
        with db.session() as session:
            target = find_unit_or_exit(session, unit)
            if target.level not in ROLE_LEVELS[role]:
                levels = "、".join(org.level_name(level) for level in ROLE_LEVELS[role])
                _fail(t("invite.role_level", role=_role_name(role), levels=levels))
            created = create_invite(session, settings, role, target, name=name)
            where = org.breadcrumb(session, target)
    finally:
        db.dispose()
    zone = load_policies(settings).needs.zone
    expires = created.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    typer.echo(t("invite.created", code=created.code, role=_role_name(role), unit=where, expires=expires,
                 zone=zone_name(zone)))
    if name:
        typer.echo(t("invite.for_name", name=name))
