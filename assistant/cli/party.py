"""Party-member organisation from the command line: `assistant check`, `assistant seats`, `assistant notices`."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from ..errors import DomainError
from ..messages import t
from ..policy.loader import ORGANS
from ..storage.models import POSITIONS
from ._common import choice, echo_json, error_text, fail, json_option
from ._common import session as _session


def check_command(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only this unit's subtree (id, code, name or path)."),
    as_json: bool = json_option(),
) -> None:
    """Organisation compliance (clauses 1–3, 9): every rule broken, per unit, citing the clause."""
    from dataclasses import asdict

    from ..party import compliance

    with _session(read_only=True) as (session, policies):
        root = _unit_or_exit(session, unit).id if unit else None
        findings = compliance.check(session, policies.party, root)
    if as_json:
        echo_json([{**asdict(f), "message": f.message()} for f in findings])
    elif not findings:
        typer.echo(t("compliance.none"))
    else:
        typer.echo("\n".join([t("compliance.head", count=len(findings))] + [f.message() for f in findings]))


def checkins_command(
    unit: str = typer.Option(..., "--unit", help="A district, street, community or compound (id, code, name or path)."),
    as_json: bool = json_option(),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", dir_okay=False, help="Write the overdue and late members "
                                        "(for their work units' party organisations) as an XLSX sheet."),
    work_unit: Optional[str] = typer.Option(None, "--work-unit", help="With --xlsx: only this work unit's members."),
) -> None:
    """Party members' check-ins (clause 5) at and below a unit: status, deadline and days late, member by member."""
    from ..org.tree import breadcrumb
    from ..party.checkin_report import export_work_unit_xlsx, report
    from ..storage.models import utcnow

    with _session(read_only=True) as (session, policies):
        found = _unit_or_exit(session, unit)
        try:
            rows = report(session, policies.party, found.id, utcnow().astimezone(policies.party.zone).date()).rows
        except DomainError as error:
            fail(error_text(error))
        place = breadcrumb(session, found)
    if xlsx is not None:
        listed = [r for r in rows if r.to_notify and work_unit in (None, r.work_unit)]
        export_work_unit_xlsx(xlsx, listed, policies.party.zone, place=work_unit or place)
        typer.echo(t("cli.checkins.saved", count=len(listed), path=xlsx))
    elif as_json:
        echo_json(rows, omit=("work_unit_contact",))  # the lines show no contact
    elif not rows:
        typer.echo(t("cli.checkins.none"))
    else:
        day = lambda d: d.isoformat() if d else "—"
        typer.echo("\n".join(t(
            "cli.checkins.line", compound=r.compound_name, name=r.name, phone=r.phone_masked, work_unit=r.work_unit
            or "—", status=t("checkin.status.late" if r.late else f"checkin.status.{r.status}"), deadline=day(r.deadline),
            late=t("cli.checkins.days_late", days=r.days_late) if r.days_late else "") for r in rows))


seats_app = typer.Typer(help="Committee seats (大工委, 大党委, 支部委员会) and party groups, for the compliance check.",
                        no_args_is_help=True)


@seats_app.command("add")
def seats_add(
    unit: str = typer.Option(..., "--unit", help="The street, community or compound (id, code, name or path)."),
    person: str = typer.Option(..., "--person", help="The person's id, phone or name (someone already imported "
                                "with `assistant people import`)."),
    organ: str = choice(..., "--organ", ORGANS, help="The committee (大工委, 大党委, 支部委员会)."),
    position: str = choice(..., "--position", POSITIONS, help="The seat on it."),
    from_unit: Optional[str] = typer.Option(None, "--from-unit", help="The resident or partner unit they come from."),
) -> None:
    """Seat a person on a committee."""
    from ..party.seats import add_seat
    from ._common import person as find_person

    with _admin_session() as session:
        found = _unit_or_exit(session, unit)
        who = find_person(session, person)
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
    as_json: bool = json_option(),
) -> None:
    """Notices of unrectified negative-behaviour cases (clause 8), for the members' work-unit party organisations."""
    from dataclasses import asdict

    from ..party import cases

    with _session(read_only=True) as (session, policies):
        path = _unit_or_exit(session, unit).path if unit else None
        notices = cases.notice_board(session, policies.party, path, unsent)
    if as_json:  # each notice's fields and its text; the contact's phone is not in the text, so not here either
        echo_json([{**asdict(n), "text": n.text()} for n in notices], omit=("contact",))
        return
    text = "\n\n".join(n.text() for n in notices) if notices else t("cli.notices.none")
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(t("cli.notices.written", count=len(notices), path=str(out)))
    else:
        typer.echo(text)
