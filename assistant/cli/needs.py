"""Needs-list commands for admins and scripts: `assistant needs`, `assistant tasks` (任务清单), `assistant resources`
(资源清单) — 组通〔2020〕15号 clause 10.

The CLI is trusted (like `assistant invite`): it acts as no person, so the services skip their permission
checks. Unknown units and persons print a catalogue message and exit with 1; a status, category or party
type outside the policy's set is a usage error (exit 2, with the nearest value).
Registered in cli/__init__.py with `app.add_typer(needs_app, name="needs")`, `app.add_typer(tasks_app, name="tasks")` and
`app.add_typer(resources_app, name="resources")`.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict
from typing import Optional

import typer

from ..errors import DomainError
from ..messages import t, zone_name
from ..needs.queries import detail, list_needs
from ..needs.resources import CAPACITY_MAX, add_resource, deactivate_resource, list_resources
from ..needs.tasklist import remove_route, route_for, set_route
from ..needs.views import place_text
from ..storage.models import NEED_STATUSES
from . import _common as common
from ._common import choice, json_option
from ._common import compound as _compound
from ._common import echo_json as _echo_json
from ._common import error_text as _error_text
from ._common import fail as _fail
from ._common import person as _person
from ._common import unit as _unit
from ._common import when as _when

needs_app = typer.Typer(help="The needs list (需求清单): list needs and show one with its history.", no_args_is_help=True)
tasks_app = typer.Typer(help="The task list (任务清单): who answers for a category in a compound.", no_args_is_help=True)
resources_app = typer.Typer(help="The resource list (资源清单): what units and members offer, by category.",
                            no_args_is_help=True)


@contextmanager
def _session(read_only: bool = False):
    """(session, needs policy) on the configured database; commits on success (`read_only`: a read command, no
    write lock on SQLite)."""
    with common.session(read_only) as (session, policies):
        yield session, policies.needs


def _categories() -> tuple[str, ...]:
    return tuple(common.load_policies().needs.category_ids)


def _party_types() -> tuple[str, ...]:
    return tuple(common.load_policies().needs.party_types)


@needs_app.command("list")
def needs_list(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only needs filed at this unit or below it (id, code, "
                                       "name or path)."),
    status: Optional[str] = choice(None, "--status", NEED_STATUSES, help="Only needs in this status."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = json_option(),
) -> None:
    """List needs, newest first."""
    with _session(read_only=True) as (session, policy):
        unit_id = _unit(session, unit).id if unit else None
        try:
            views = list_needs(session, unit_id, status, limit=limit)
        except DomainError as error:
            _fail(_error_text(error))
    if as_json:
        _echo_json(views, omit=("resident_name", "resident_phone_masked"))  # as the lines: no resident
        return
    if not views:
        typer.echo(t("cli.needs.none"))
    for v in views:
        category = policy.category(v.category)
        typer.echo(t("cli.needs.line", id=v.id, ticket=v.ticket, status=t(f"need.status.{v.status}"),
                     category=category.label() if category else v.category, created=_when(v.created_at, policy.zone),
                     place=place_text(v.compound_name, v.building_name, v.entrance, None),
                     level=v.level_unit_name, description=v.description[:40].replace("\n", " ")))


def _load_detail(session, ref: str):
    """The need by id or ticket, read as its submitter sees it (history in full, phone unmasked)."""
    from sqlalchemy import select

    from ..storage.models import Need

    ref = ref.strip()
    query = select(Need).where(Need.id == int(ref)) if ref.isdecimal() and len(ref) < 10 else \
        select(Need).where(Need.ticket == ref.upper())
    need = session.scalars(query).first()
    if need is None:
        _fail(t("cli.needs.not_found", ref=ref))
    return detail(session, need.id, need.submitter_id)


@needs_app.command("show")
def needs_show(
    need: str = typer.Argument(..., metavar="ID", help="The need's id or its ticket (XQ-20261126-0007)."),
    as_json: bool = json_option(),
) -> None:
    """Show one need in full: details, assignees, history and return visits."""
    from ..org.people import shown_name

    with _session(read_only=True) as (session, policy):
        d = _load_detail(session, need)
    if as_json:
        data = asdict(d)
        data["assignees"] = [{"id": pid, "name": name} for pid, name in d.assignees]
        _echo_json(data)
        return
    v = d.need
    category = policy.category(v.category)
    unset = t("cli.needs.unset")
    lines = [
        t("cli.needs.head", ticket=v.ticket, id=v.id, status=t(f"need.status.{v.status}"),
          category=category.label() if category else v.category, urgency=t(f"need.urgency.{v.urgency}")),
        t("cli.needs.place", place=place_text(v.compound_name, v.building_name, v.entrance, None),
          level=v.level_unit_name),
        t("cli.needs.party", party=v.responsible_party or unset,
          assignees="、".join(shown_name(name) for _, name in d.assignees) or unset),
        t("cli.needs.deadlines", filed=_when(v.created_at, policy.zone), accept_due=_when(v.accept_due_at, policy.zone),
          resolve_due=_when(v.resolve_due_at, policy.zone), zone=zone_name(policy.zone)),
        t("cli.needs.resident", name=v.resident_name or unset, phone=d.resident_phone or unset,
          submitter=shown_name(d.submitter_name)),
        t("cli.needs.description", text=d.description),
        t("needcard.history"),
    ]
    for e in d.events:
        what = t(f"need.event.{e.kind}", party=e.note or "", unit=e.data.get("to_unit_name", ""))
        note = f"：{e.note}" if e.note and e.kind != "routed" else ""
        lines.append(t("cli.needs.event", at=_when(e.at, policy.zone),
                       actor=shown_name(e.actor_name) or t("needcard.system"), what=what, note=note))
    yes_no = {True: t("needcard.yes"), False: t("needcard.no")}
    for visit in d.visits:
        lines.append(t("cli.needs.visit", at=_when(visit.at, policy.zone), contacted=yes_no[visit.contacted],
                       solved=yes_no[visit.solved], satisfaction=t(f"need.satisfaction.{visit.satisfaction}")))
    typer.echo("\n".join(lines))


# ---------------------------------------------------------------- task list


def _names(session, person_ids) -> str:
    from ..org.people import find_person

    return "、".join(find_person(session, pid).name for pid in person_ids) or t("cli.tasks.nobody")


@tasks_app.command("set")
def tasks_set(
    compound: str = typer.Option(..., "--compound", help="The compound (id, code, name or path)."),
    category: str = choice(..., "--category", _categories, help="A need category id from the policy (e.g. leak)."),
    party_type: str = choice(..., "--party-type", _party_types, help="A party type from the policy: "
                             "property_company, owners_committee, community, resident_unit."),
    label: str = typer.Option(..., "--label", help="The responsible party's name, e.g. 梅园物业公司."),
    person: list[str] = typer.Option([], "--person", help="Who acts for the party (id, phone or name); repeatable."),
) -> None:
    """Create or replace a compound's task-list entry for a category."""
    from ..org.tree import breadcrumb

    with _session() as (session, policy):
        unit = _compound(session, compound)
        cat = policy.category(category)
        person_ids = [_person(session, ref).id for ref in person]
        try:
            route = set_route(session, unit.id, category, party_type, label, person_ids, policy=policy)
        except DomainError as error:
            _fail(_error_text(error))
        typer.echo(t("cli.tasks.set", compound=breadcrumb(session, unit), category=cat.label(), label=route.party_label,
                     party_type=policy.party_types[party_type].label(), people=_names(session, route.person_ids)))


@tasks_app.command("list")
def tasks_list(
    compound: str = typer.Option(..., "--compound", help="The compound (id, code, name or path)."),
    as_json: bool = json_option(),
) -> None:
    """Show who answers for each category in a compound (its task list, else the policy default)."""
    from ..org.people import find_person
    from ..org.tree import breadcrumb

    with _session(read_only=True) as (session, policy):
        unit = _compound(session, compound)
        routes = [route_for(session, policy, unit.id, cat.id) for cat in policy.categories]
        if as_json:
            _echo_json([{**asdict(r), "people": [find_person(session, pid).name for pid in r.person_ids]}
                        for r in routes])
            return
        lines = [t("cli.tasks.head", compound=breadcrumb(session, unit))]
        for cat, route in zip(policy.categories, routes):
            party = policy.party_types.get(route.party_type)
            lines.append(t("cli.tasks.line", category=cat.label(), category_id=cat.id, label=route.party_label,
                           party_type=party.label() if party else route.party_type,
                           people=_names(session, route.person_ids),
                           source=t(f"cli.tasks.source.{route.source}")))
    typer.echo("\n".join(lines))


@tasks_app.command("remove")
def tasks_remove(
    compound: str = typer.Option(..., "--compound", help="The compound (id, code, name or path)."),
    category: str = choice(..., "--category", _categories, help="The category whose entry to drop."),
) -> None:
    """Drop a compound's task-list entry for a category (the policy default applies again)."""
    from ..org.tree import breadcrumb

    with _session() as (session, policy):
        unit = _compound(session, compound)
        cat = policy.category(category)
        removed = remove_route(session, unit.id, category)
        default = route_for(session, policy, unit.id, category)
        key = "cli.tasks.removed" if removed else "cli.tasks.not_set"
        typer.echo(t(key, compound=breadcrumb(session, unit), category=cat.label(), label=default.party_label))


# ---------------------------------------------------------------- resource list


def _resource_line(policy, r) -> str:
    unset = t("cli.needs.unset")
    tags = "、".join(policy.category(x).label() if policy.category(x) else x for x in r.tags)
    return t("cli.resources.line", id=r.id, provider=r.provider_name, unit=r.unit_name, tags=tags,
             contact=r.contact or unset, capacity=r.capacity if r.capacity is not None else unset,
             availability=r.availability or unset, inactive="" if r.active else t("cli.resources.inactive"))


@resources_app.command("add")
def resources_add(
    unit: str = typer.Option(..., "--unit", help="Where it is offered (id, code, name or path); it serves that unit "
                             "and everything below it."),
    name: str = typer.Option(..., "--name", help="The provider, e.g. 澄江街道水电维修队."),
    tag: list[str] = choice(..., "--tag", _categories, help="A need category id it serves; repeatable."),
    contact: Optional[str] = typer.Option(None, "--contact", help="Phone or contact person."),
    capacity: Optional[int] = typer.Option(None, "--capacity", help="A positive whole number (e.g. households served "
                                           "at once)."),
    availability: Optional[str] = typer.Option(None, "--availability", help="When, e.g. 工作日 8:00-17:00."),
    provider_person: Optional[str] = typer.Option(None, "--provider-person", help="The provider if a registered person "
                                                  "(id, phone or name)."),
) -> None:
    """Register a resource in the resource list."""
    from ..org.tree import breadcrumb

    if capacity is not None and capacity > CAPACITY_MAX:
        _fail(t("resource.err.capacity"))
    with _session() as (session, policy):
        where = _unit(session, unit)
        provider_id = _person(session, provider_person).id if provider_person else None
        try:
            view = add_resource(session, name, where.id, list(tag), contact=contact, capacity=capacity,
                                availability=availability, provider_person_id=provider_id, policy=policy)
        except DomainError as error:
            _fail(_error_text(error))
        typer.echo(t("cli.resources.added", id=view.id, provider=view.provider_name, unit=breadcrumb(session, where),
                     tags="、".join(policy.category(x).label() for x in view.tags)))


@resources_app.command("list")
def resources_list(
    unit: str = typer.Option(..., "--unit", help="Resources offered at this unit or below it (id, code, name or "
                             "path)."),
    include_inactive: bool = typer.Option(False, "--all", help="Include deactivated resources."),
    as_json: bool = json_option(),
) -> None:
    """List the resources offered at a unit and below it."""

    with _session(read_only=True) as (session, policy):
        found = list_resources(session, _unit(session, unit).id, include_inactive=include_inactive)
    if as_json:
        _echo_json(found)
        return
    typer.echo("\n".join(_resource_line(policy, r) for r in found) if found else t("cli.resources.none"))


@resources_app.command("deactivate")
def resources_deactivate(resource_id: int = typer.Argument(..., metavar="ID", help="The resource's id.")) -> None:
    """Withdraw a resource (kept on record, no longer matched to needs)."""

    with _session() as (session, _policy):
        try:
            view = deactivate_resource(session, resource_id)
        except DomainError as error:
            _fail(_error_text(error))
    typer.echo(t("cli.resources.deactivated", id=view.id, provider=view.provider_name))
