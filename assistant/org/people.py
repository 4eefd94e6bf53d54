"""People and their roles: create and find persons, bind roles to units, show phones masked."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import CATALOGUE, t
from ..storage.models import ChannelAccount, OrgUnit, Person, RoleBinding
from . import audit
from .tree import breadcrumb
from .permissions import ADMIN, ROLE_RANK, check_role
from .phones import mask_phone  # noqa: F401  (re-exported: callers import it from here)


@dataclass(frozen=True)
class RoleView:
    """A role binding as plain values, safe to use after the session has closed."""

    role: str
    unit_id: int
    unit_name: str
    unit_level: str
    unit_path: str  # "宣州区 > 澄江街道 > 梅园社区"

    @classmethod
    def of(cls, session: Session, binding: RoleBinding) -> RoleView:
        unit = binding.unit
        return cls(binding.role, unit.id, unit.name, unit.level, breadcrumb(session, unit))


def normalise_phone(phone: str | None) -> str | None:
    """Digits (and a leading +) only; None for blank input."""
    if phone is None:
        return None
    phone = re.sub(r"[^\d+]", "", phone.strip())
    return phone or None


def is_admin(person: Person | None) -> bool:
    """Whether the person holds the admin role anywhere."""
    return person is not None and any(b.role == ADMIN for b in person.roles)


def display_phone(person: Person, viewer: Person | None) -> str:
    """The phone in full for its owner and for admins, masked for everybody else."""
    if person.phone is None:
        return ""
    if viewer is not None and (viewer.id == person.id or is_admin(viewer)):
        return person.phone
    return mask_phone(person.phone)


def create_person(
    session: Session, name: str, phone: str | None = None, party_member: bool = False, work_unit: str | None = None
) -> Person:
    """A new person (the name is required; the phone is stored in full)."""
    name = (name or "").strip()
    if not name:
        raise ValueError("a person needs a name")
    person = Person(name=name, phone=normalise_phone(phone), party_member=party_member, work_unit=work_unit)
    session.add(person)
    session.flush()
    return person


class AmbiguousPerson(LookupError):
    """More than one person matches a name or phone; `candidates` lists them (by id)."""

    def __init__(self, query: str, candidates: list[Person]) -> None:
        super().__init__(f"{query!r} matches {len(candidates)} people")
        self.query, self.candidates = query, candidates


def find_people(session: Session, query: str | int, among: set[int] | None = None) -> list[Person]:
    """Everyone `query` names, the same way everywhere: an id (a number under 9 digits), else a phone, else an
    exact name; `among` restricts the search to these person ids (a coordinator's subtree)."""
    text = str(query).strip()
    if isinstance(query, int) or (text.isdigit() and len(text) < 9):
        person = session.get(Person, int(text))
        return [person] if person is not None and (among is None or person.id in among) else []
    conditions = []
    phone = normalise_phone(text)
    if phone and phone.lstrip("+").isdigit():
        conditions.append(Person.phone == phone)
    conditions.append(Person.name == text)
    for condition in conditions:
        query_ = select(Person).where(condition).order_by(Person.id)
        if among is not None:
            query_ = query_.where(Person.id.in_(among))
        found = list(session.scalars(query_))
        if found:
            return found
    return []


def find_person(session: Session, query: str | int, among: set[int] | None = None) -> Person | None:
    """The one person `query` names (see find_people); AmbiguousPerson when a phone or name is shared, never a
    silent pick."""
    found = find_people(session, query, among)
    if len(found) > 1:
        raise AmbiguousPerson(str(query).strip(), found)
    return found[0] if found else None


def get_or_create_person(session: Session, name: str, phone: str | None = None, **fields) -> Person:
    """The person with this phone (or, without a phone, this name), created when missing."""
    phone = normalise_phone(phone)
    query = select(Person).where(Person.phone == phone) if phone else select(Person).where(Person.name == name)
    found = session.scalars(query.order_by(Person.id)).first()
    return found or create_person(session, name, phone, **fields)


def binding_state(session: Session, person: Person, role: str, unit: OrgUnit) -> dict:
    """A binding as the audit trail keeps it."""
    return {"person_id": person.id, "name": person.name, "role": role, "unit_id": unit.id,
            "unit": breadcrumb(session, unit)}


def bind_role(session: Session, person: Person, role: str, unit: OrgUnit, *, actor_id: int | None = None) -> RoleBinding:
    """Give `person` the role at `unit` (idempotent; a new binding is audited as granted by `actor_id`, None = the
    command line); ValueError when the role does not fit the unit's level."""
    check_role(role, unit)
    found = session.scalars(select(RoleBinding).where(
        RoleBinding.person_id == person.id, RoleBinding.role == role, RoleBinding.unit_id == unit.id)).first()
    if found is not None:
        return found
    binding = RoleBinding(person=person, role=role, unit=unit)
    session.add(binding)
    session.flush()
    audit.record(session, "role_grant", actor_id=actor_id, unit_id=unit.id, subject=person.name,
                 after=binding_state(session, person, role, unit))
    return binding


def unbind_role(session: Session, person: Person, role: str, unit: OrgUnit, *, actor_id: int | None = None) -> bool:
    """Remove a role binding (audited as revoked by `actor_id`); True when it existed."""
    found = session.scalars(select(RoleBinding).where(
        RoleBinding.person_id == person.id, RoleBinding.role == role, RoleBinding.unit_id == unit.id)).first()
    if found is None:
        return False
    person.roles.remove(found)
    session.flush()
    audit.record(session, "role_revoke", actor_id=actor_id, unit_id=unit.id, subject=person.name,
                 before=binding_state(session, person, role, unit))
    return True


def roles_of(person: Person) -> list[RoleBinding]:
    """The person's bindings, highest rank first (each has `.role` and `.unit`)."""
    return sorted(person.roles, key=lambda b: (ROLE_RANK[b.role], b.unit.path))


LOCAL_OPERATOR_ID = "1"  # the terminal chat's one account
OPERATOR_NAME = "bot.operator_name"  # the local admin's name: stored as the default language says it, shown as the
OPERATOR_NAMES = frozenset(CATALOGUE[OPERATOR_NAME].values())  # viewer's does (any language's form is recognised)


def shown_name(name: str | None, lang: str | None = None) -> str | None:
    """A person's name as the viewer reads it: the built-in local admin's in the viewer's language (whichever
    language first created it), anyone else's as stored."""
    return t(OPERATOR_NAME, lang) if name in OPERATOR_NAMES else name


def ensure_local_operator(session: Session, channel: str, external_id: str) -> Person:
    """The person at the terminal: bound to this account and admin of every top-level unit there is. Named the
    same whatever language runs first (a name stored in another language's words is set to it)."""
    name = t(OPERATOR_NAME)
    account = session.scalars(select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)).first()
    if account is None:
        person = create_person(session, name)
        account = ChannelAccount(channel=channel, external_id=external_id, person=person)
        session.add(account)
        session.flush()
    elif account.person.name in OPERATOR_NAMES and account.person.name != name:
        account.person.name = name
    for root in session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))):
        bind_role(session, account.person, ADMIN, root)
    return account.person


def name_of(session: Session, person_id: int) -> str:
    """The person's name (the person must exist)."""
    return session.get(Person, person_id).name
