"""Property-company evaluation commands (clause 12) and owners' committees (clause 9): `assistant property`
(companies and their contracts), `assistant owners` (业委会 members) and `assistant evaluations` (results, export).

The CLI is trusted (like `assistant invite`): it acts as no person. Bad input prints a catalogue message and
exits with 1. Registered in cli.py with `register(app)`.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer

from ..errors import DomainError
from ..messages import t
from ..storage.models import OWNERS_ROLES
from . import _common as common
from ._common import choice, json_option
from ._common import fail as _fail

property_app = typer.Typer(help="Property companies (物业企业) and their service contracts per compound.",
                           no_args_is_help=True)
owners_app = typer.Typer(help="Owners' committees (业委会): members, roles, party status.", no_args_is_help=True)
evaluations_app = typer.Typer(help="Property-company evaluations (双百分): results and the export.",
                              no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the three command groups to the main CLI."""
    app.add_typer(property_app, name="property")
    app.add_typer(owners_app, name="owners")
    app.add_typer(evaluations_app, name="evaluations")


@contextmanager
def _session(read_only: bool = False):
    """(session, rubric) on the configured database; commits on success (`read_only`: a read command, no write
    lock on SQLite)."""
    with common.session(read_only) as (session, policies):
        yield session, policies.rubric


def _unit(session, ref: str, compound: bool = False):
    return common.compound(session, ref) if compound else common.unit(session, ref)


def _company(session, ref: str):
    from ..property.evaluations import find_company

    found = find_company(session, ref)
    if found is None:
        _fail(t("cli.eval.unknown_company", company=ref))
    return found


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(t("cli.eval.bad_date", value=value))


def _refused(error) -> None:
    keys = [key for _, key in getattr(error, "errors", [])] or [error.key]
    _fail("\n".join(t(key, **error.values) for key in dict.fromkeys(keys)))


@property_app.command("add")
def property_add(
    name: str = typer.Option(..., "--name", help="The company's name, e.g. 宣城市安居物业管理有限公司."),
    credit_code: str | None = typer.Option(None, "--credit-code", help="统一社会信用代码."),
    party_org: bool = typer.Option(False, "--party-org/--no-party-org", help="Whether it has a party organisation "
                                   "(clause 4)."),
    contact: str | None = typer.Option(None, "--contact", help="Contact person or phone."),
) -> None:
    """Register a property company."""
    from ..property.evaluations import add_company

    with _session() as (session, _rubric):
        try:
            view = add_company(session, name, credit_code, party_org, contact)
        except DomainError as error:
            _refused(error)
    typer.echo(t("cli.eval.company_added", id=view.id, name=view.name))


@property_app.command("contract")
def property_contract(
    company: str = typer.Option(..., "--company", help="The company (id or name)."),
    compound: str = typer.Option(..., "--compound", help="The compound it serves (id, code, name or path)."),
    starts: str = typer.Option(..., "--from", help="First day of the contract, e.g. 2026-01-01."),
    ends: str | None = typer.Option(None, "--to", help="Last day (open-ended when left out)."),
    liaison: str | None = typer.Option(None, "--liaison", help="The company's liaison (物业联络员): id, phone "
                                          "or name of a person already imported (`assistant people import`)."),
) -> None:
    """Record a service contract between a company and a compound."""
    from ..property.evaluations import add_contract
    from ._common import person as find_person

    with _session() as (session, _rubric):
        found, where = _company(session, company), _unit(session, compound, compound=True)
        liaison_id = find_person(session, liaison).id if liaison else None
        try:
            view = add_contract(session, found.id, where.id, _day(starts), _day(ends), liaison_id)
        except DomainError as error:
            _refused(error)
    ends_text = t("cli.eval.until", day=view.ends_on.isoformat()) if view.ends_on else ""
    typer.echo(t("cli.eval.contract_added", id=view.id, company=view.company_name, compound=view.compound_name,
                 starts=view.starts_on.isoformat(), ends=ends_text))


@property_app.command("list")
def property_list(
    unit: str | None = typer.Option(None, "--unit", help="Only contracts under this unit."),
    as_json: bool = json_option(),
) -> None:
    """List the companies and their contracts."""
    from ..property.evaluations import companies, contracts

    with _session(read_only=True) as (session, _rubric):
        found, signed = companies(session), contracts(session, _unit(session, unit).path if unit else None)
    if as_json:
        common.echo_json({"companies": found, "contracts": signed})
        return
    lines = [t("cli.eval.company_line", id=c.id, name=c.name, code=c.credit_code or "—", contact=c.contact or "—",
               party=t("cli.eval.yes" if c.party_org else "cli.eval.no")) for c in found]
    lines += [t("cli.eval.contract_line", id=c.id, company=c.company_name, compound=c.compound_name,
                starts=c.starts_on.isoformat(), ends=c.ends_on.isoformat() if c.ends_on else t("cli.eval.open"),
                liaison=c.liaison_name or "—") for c in signed]
    typer.echo("\n".join(lines) if lines else t("cli.eval.none"))


@owners_app.command("add")
def owners_add(
    compound: str = typer.Option(..., "--compound", help="The compound (id, code, name or path)."),
    person: str = typer.Option(..., "--person", help="Id, phone or name of a person already imported "
                                "(`assistant people import`)."),
    role: str = choice("member", "--role", OWNERS_ROLES, help="chair (主任), vice_chair (副主任) or member (委员)."),
    party: bool | None = typer.Option(None, "--party/--no-party", help="Record the person's party status."),
) -> None:
    """Add a member to a compound's owners' committee."""
    from ..property.owners_committee import add_member
    from ._common import person as find_person

    with _session() as (session, _rubric):
        where = _unit(session, compound, compound=True)
        who = find_person(session, person)
        if party is not None:
            who.party_member = party
        try:
            view = add_member(session, None, where.id, who.id, role)
        except DomainError as error:
            _refused(error)
    typer.echo(t("cli.owners.added", role=t(f"owners.role.{view.role}"), name=view.name,
                 party=t("cli.owners.party" if view.party_member else "cli.owners.non_party")))


@owners_app.command("list")
def owners_list(
    compound: str = typer.Option(..., "--compound", help="The compound."),
    as_json: bool = json_option(),
) -> None:
    """The committee's members and its party share."""
    from ..property.owners_committee import members

    with _session(read_only=True) as (session, _rubric):
        found = members(session, _unit(session, compound, compound=True).id)
    if as_json:
        common.echo_json(found)
        return
    if not found:
        typer.echo(t("cli.eval.none"))
        return
    party = sum(1 for m in found if m.party_member)
    lines = [t("cli.owners.line", id=m.id, role=t(f"owners.role.{m.role}"), name=m.name,
               party=t("cli.owners.party" if m.party_member else "cli.owners.non_party")) for m in found]
    typer.echo("\n".join(lines + [t("cli.owners.share", party=party, total=len(found),
                                    share=f"{party / len(found):.0%}")]))


def _current_period() -> str:
    return common.load_policies().rubric.period_of(date.today())


def _period(value: str) -> str:
    """An evaluation period of the rubric's kind, else exit 2 with this period as the example."""
    if not common.load_policies().rubric.valid_period(value):
        raise common.BadChoice(t("eval.err.period_example", example=_current_period()))
    return value


@evaluations_app.command("list")
def evaluations_list(
    period: str = typer.Option(..., "--period", parser=_period, autocompletion=lambda incomplete: [_current_period()],
                               help="e.g. 2026H2 (the rubric's period kind)."),
    unit: str | None = typer.Option(None, "--unit", help="Only compounds under this unit (default: all)."),
    as_json: bool = json_option(),
) -> None:
    """Results of a period: both scores, weighted total, stars, veto, ranks."""
    from ..property.ratings import all_ratings, rating_line

    with _session(read_only=True) as (session, rubric):
        path = _unit(session, unit).path if unit else None
        found = [r for r in all_ratings(session, path, rubric) if r.period == period]
    if as_json:
        common.echo_json(found)
        return
    typer.echo("\n".join(rating_line(r) for r in found) if found else t("evalbot.no_ratings", period=period))


@evaluations_app.command("export")
def evaluations_export(
    file: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write."),
    unit: str | None = typer.Option(None, "--unit", help="Only compounds under this unit (default: all)."),
) -> None:
    """Export every period's results and every evaluation item by item (for the housing bureau)."""
    from ..property.export import export_xlsx

    if file.suffix.lower() != ".xlsx":
        _fail(t("cli.eval.bad_file", path=str(file)))
    with _session(read_only=True) as (session, rubric):
        path = _unit(session, unit).path if unit else None
        count = export_xlsx(session, file, rubric, path)
    typer.echo(t("cli.eval.exported", count=count, path=str(file)))
