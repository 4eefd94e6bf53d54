"""Party-member organisation from the command line: `assistant check`, `assistant seats`, `assistant notices`."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from ..errors import DomainError
from ..messages import t
from ..policy.loader import ORGANS
from ..storage.models import POSITIONS
from ._common import choice
from ._common import session as _session


def check_command(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only this unit's subtree (id, code, name or path)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array of findings."),
) -> None:
    """Organisation compliance (clauses 1–3, 9): every rule broken, per unit, citing the clause."""
    from dataclasses import asdict

    from ..party import compliance

    with _session(read_only=True) as (session, policies):
        root = _unit_or_exit(session, unit).id if unit else None
        findings = compliance.check(session, policies.party, root)
    if as_json:
        typer.echo(json.dumps([{**asdict(f), "message": f.message()} for f in findings], ensure_ascii=False))
    elif not findings:
        typer.echo(t("compliance.none"))
    else:
        typer.echo("\n".join([t("compliance.head", count=len(findings))] + [f.message() for f in findings]))


seats_app = typer.Typer(help="Committee seats (大工委, 大党委, 支部委员会) and party groups, for the compliance check.",
                        no_args_is_help=True)


@seats_app.command("add")
def seats_add(
    unit: str = typer.Option(..., "--unit", help="The street, community or compound (id, code, name or path)."),
    person: str = typer.Option(..., "--person", help="The person's name, phone or id (created when unknown)."),
    organ: str = choice(..., "--organ", ORGANS, help="The committee (大工委, 大党委, 支部委员会)."),
    position: str = choice(..., "--position", POSITIONS, help="The seat on it."),
    from_unit: Optional[str] = typer.Option(None, "--from-unit", help="The resident or partner unit they come from."),
) -> None:
    """Seat a person on a committee."""
    from ..party.seats import add_seat
    from ._common import person as person_or_new

    with _admin_session() as session:
        found = _unit_or_exit(session, unit)
        who = person_or_new(session, person, party_member=True)
        try:
            seat = add_seat(session, None, found.id, who.id, organ, position, from_unit)
        except DomainError as err:
            typer.echo(err.message(), err=True)
            raise typer.Exit(1)
    typer.echo(t("cli.seats.added", name=seat.person_name, unit=found.name,
                 position=t(f"compliance.position.{seat.position}")))


@seats_app.command("group")
def seats_group(building: str = typer.Option(..., "--building", help="The building (id, code or path).")) -> None:
    """Record a building's party group (党小组)."""
    from ..party.seats import add_party_group

    with _admin_session() as session:
        found = _unit_or_exit(session, building)
        try:
            add_party_group(session, None, found.id)
        except DomainError as err:
            typer.echo(err.message(), err=True)
            raise typer.Exit(1)
    typer.echo(t("cli.seats.group", unit=found.name))


@contextmanager
def _admin_session():
    """A session on the configured database; commits on success."""
    with _session() as (session, _policies):
        yield session


def _unit_or_exit(session, ref: str):
    from ..org.tree import AmbiguousUnit, find_unit

    try:
        found = find_unit(session, ref)
    except AmbiguousUnit:
        found = None
    if found is None:
        typer.echo(t("cli.check.unknown_unit", unit=ref), err=True)
        raise typer.Exit(1)
    return found


def notices_command(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only cases under this unit."),
    unsent: bool = typer.Option(False, "--unsent", help="Only notices not yet sent to a registered contact."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the notices to this UTF-8 text file."),
) -> None:
    """Notices of unrectified negative-behaviour cases (clause 8), for the members' work-unit party organisations."""
    from ..party import cases

    with _session(read_only=True) as (session, policies):
        path = _unit_or_exit(session, unit).path if unit else None
        notices = cases.notice_board(session, policies.party, path, unsent)
    text = "\n\n".join(n.text() for n in notices) if notices else t("cli.notices.none")
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(t("cli.notices.written", count=len(notices), path=str(out)))
    else:
        typer.echo(text)
