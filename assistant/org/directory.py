"""People administration: list, show, revoke a role, move a role to another unit.

`actor_id` None is the trusted command line (sees full phones, acts everywhere); a person acts only on the
people bound within their subtree (`permissions.people_in_scope`), may revoke only roles of their own rank or
below in it (`can(..., "manage_people", unit, role=...)`), and sees phones masked unless an admin.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotAllowed, NotFound
from ..messages import t
from ..storage.models import OrgUnit, Person, RoleBinding
from . import audit
from .people import (AmbiguousPerson, RoleView, binding_state, display_phone, find_people, roles_of, shown_name,
                     unbind_role)
from .permissions import ADMIN, ROLE_LEVELS, can, check_role, people_in_scope
from .roster import role_id
from .tree import AmbiguousUnit, breadcrumb, find_unit, level_name, subtree_ids

ACTION = "manage_people"


@dataclass(frozen=True)
class PersonView:
    """A person as the viewer may see them (phone masked for everyone but admins and the person)."""

    id: int
    name: str
    phone: str
    party_member: bool
    work_unit: str | None
    roles: tuple[RoleView, ...]


def _view(session: Session, person: Person, viewer: Person | None) -> PersonView:
    phone = (person.phone or "") if viewer is None else display_phone(person, viewer)
    return PersonView(person.id, person.name, phone, person.party_member, person.work_unit,
                      tuple(RoleView.of(session, b) for b in roles_of(person)))


def _scope(session: Session, actor_id: int | None) -> set[int] | None:
    """The people the actor may manage (None: everyone, for the command line); NotAllowed when nobody."""
    if actor_id is None:
        return None
    scope = people_in_scope(session, actor_id, ACTION)
    if scope is None:
        raise NotAllowed("people.err.not_allowed")
    return scope


def list_people(session: Session, actor_id: int | None = None, unit_id: int | None = None,
                everyone: bool = False) -> list[PersonView]:
    """People with a role (at `unit_id` or below it), by name; for a person only those within their subtree.
    `everyone` adds the people without any role (they are bound nowhere, so never under a `unit_id`), as `show`
    finds them; only the command line and admins see those."""
    scope = _scope(session, actor_id)
    if everyone and unit_id is None:
        query = select(Person)
    else:
        query = select(Person).join(RoleBinding, RoleBinding.person_id == Person.id).distinct()
    if unit_id is not None:
        query = query.where(RoleBinding.unit_id.in_(subtree_ids(session, unit_id)))
    if scope is not None:
        query = query.where(Person.id.in_(scope))
    viewer = session.get(Person, actor_id) if actor_id is not None else None
    people = sorted(session.scalars(query), key=lambda p: (p.name, p.id))
    return [_view(session, p, viewer) for p in people]


def resolve(session: Session, actor_id: int | None, ref: str) -> PersonView:
    """The one person `ref` names (id, phone or name) among those the actor may manage; NotFound, or
    AmbiguousPerson with the candidates."""
    found = find_people(session, ref, _scope(session, actor_id))
    if not found:
        raise NotFound("people.err.not_found", person=str(ref).strip())
    if len(found) > 1:
        raise AmbiguousPerson(str(ref).strip(), found)
    return show(session, actor_id, found[0].id)


def show(session: Session, actor_id: int | None, person_id: int) -> PersonView:
    """One person's card."""
    scope = _scope(session, actor_id)
    person = session.get(Person, person_id)
    if person is None or (scope is not None and person.id not in scope):
        raise NotFound("people.err.not_found", person=str(person_id))
    return _view(session, person, session.get(Person, actor_id) if actor_id is not None else None)


def candidates(session: Session, actor_id: int | None, error: AmbiguousPerson) -> list[PersonView]:
    """The candidates of an ambiguous reference as the actor may see them."""
    return [show(session, actor_id, p.id) for p in error.candidates]


def roles_text(view: PersonView, lang: str | None = None) -> str:
    return "、".join(t("people.role", lang, role=t(f"role.{r.role}", lang), unit=r.unit_name)
                    for r in view.roles) or t("people.no_role", lang)


def card_text(view, lang: str | None = None) -> str:
    """A person's card as text (CLI and chat)."""
    roles = "\n".join(t("people.card_role", lang, role=t(f"role.{r.role}", lang), unit=r.unit_path)
                      for r in view.roles) or t("people.no_roles", lang)
    return t("people.card", lang, id=view.id, name=shown_name(view.name, lang),
             phone=view.phone or t("people.unset", lang),
             party=t("people.yes" if view.party_member else "people.no", lang),
             work_unit=view.work_unit or t("people.unset", lang), roles=roles)


def listing_text(views, lang: str | None = None, limit: int | None = None) -> str:
    """A list of people as text (CLI and chat), the first `limit` of them."""
    if not views:
        return t("people.none", lang)
    lines = [t("people.head", lang, count=len(views))]
    lines += [t("people.line", lang, id=v.id, name=shown_name(v.name, lang), phone=v.phone, roles=roles_text(v, lang))
              for v in views[:limit]]
    if limit is not None and len(views) > limit:
        lines.append(t("people.more", lang, count=len(views) - limit))
    return "\n".join(lines)


def candidate_line(view: PersonView, lang: str | None = None) -> str:
    """One candidate of an ambiguous person reference: id, name, phone (as the viewer may see it) and roles."""
    return t("people.candidate", lang, id=view.id, name=shown_name(view.name, lang), phone=view.phone,
             roles=roles_text(view, lang))


def ambiguous_text(session: Session, actor_id: int | None, error: AmbiguousPerson, lang: str | None = None) -> str:
    """"“张三”对应多人，请改用编号：" and the candidates."""
    lines = [candidate_line(view, lang) for view in candidates(session, actor_id, error)]
    return t("people.ambiguous", lang, person=error.query, candidates="\n".join(lines))


def _binding(session: Session, person_id: int, role: str, unit_id: int | None) -> RoleBinding:
    check_role(role)
    query = select(RoleBinding).where(RoleBinding.person_id == person_id, RoleBinding.role == role)
    if unit_id is not None:
        query = query.where(RoleBinding.unit_id == unit_id)
    found = list(session.scalars(query))
    if not found:
        raise NotFound("people.err.no_such_role", role=t(f"role.{role}"))
    if len(found) > 1:
        units = "；".join(breadcrumb(session, b.unit) for b in found)
        raise Invalid("people.err.role_units", role=t(f"role.{role}"), units=units)
    return found[0]


def _may(session: Session, actor_id: int | None, binding: RoleBinding) -> None:
    if actor_id is not None and not (binding.role != ADMIN and
                                     can(session, actor_id, ACTION, binding.unit, role=binding.role)):
        raise NotAllowed("people.err.not_allowed")


def revoke(session: Session, actor_id: int | None, person_id: int, role: str, unit_id: int | None = None) -> RoleView:
    """Take a role away (at `unit_id`, needed when the person holds it at several units); audited."""
    person = session.get(Person, show(session, actor_id, person_id).id)
    binding = _binding(session, person.id, role, unit_id)
    _may(session, actor_id, binding)
    removed = RoleView.of(session, binding)
    unbind_role(session, person, binding.role, binding.unit, actor_id=actor_id)
    return removed


def move(session: Session, actor_id: int | None, person_id: int, role: str, to_unit_id: int,
         from_unit_id: int | None = None) -> RoleView:
    """Move a role binding to another unit of a fitting level (Invalid when it does not fit); audited."""
    person = session.get(Person, show(session, actor_id, person_id).id)
    binding = _binding(session, person.id, role, from_unit_id)
    _may(session, actor_id, binding)
    target = session.get(OrgUnit, to_unit_id)
    if target.level not in ROLE_LEVELS[role]:
        raise Invalid("people.err.role_level", role=t(f"role.{role}"),
                      levels="、".join(level_name(level) for level in ROLE_LEVELS[role]))
    if actor_id is not None and not can(session, actor_id, ACTION, target, role=role):
        raise NotAllowed("people.err.not_allowed")
    before = binding_state(session, person, role, binding.unit)
    duplicate = session.scalars(select(RoleBinding).where(
        RoleBinding.person_id == person.id, RoleBinding.role == role, RoleBinding.unit_id == target.id)).first()
    if duplicate is not None:
        person.roles.remove(binding)
    else:
        binding.unit = target
    session.flush()
    audit.record(session, "role_move", actor_id=actor_id, unit_id=target.id, subject=person.name, before=before,
                 after=binding_state(session, person, role, target))
    session.refresh(person, ["roles"])
    moved = duplicate or binding
    return RoleView.of(session, moved)


def revoke_by_ref(session: Session, actor_id: int, person_ref: str, role_text: str,
                  unit_ref: str | None = None) -> tuple[str, RoleView]:
    """/people revoke: the person, role and (optional) unit as typed; (the person's name, the role removed)."""
    role = role_id(role_text)
    if role is None:
        raise Invalid("people.err.role_unknown", value=role_text)
    unit_id = None
    if unit_ref:
        try:
            unit = find_unit(session, unit_ref)
        except AmbiguousUnit:
            raise Invalid("invite.unit_ambiguous") from None
        if unit is None:
            raise NotFound("org.unit_not_found", unit=unit_ref)
        unit_id = unit.id
    view = resolve(session, actor_id, person_ref)
    return view.name, revoke(session, actor_id, view.id, role, unit_id)
