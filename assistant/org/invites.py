"""Registration by invite code: create a code for a role at a unit, redeem it once from a chat account.

Wrong codes are counted per channel account: once `invite_max_failures` of them fall within the last
`invite_failure_window_minutes`, every further attempt (right or wrong) is refused as rate_limited. They are
also counted over all accounts (guessing from many accounts): once `invite_global_max_failures` fall within
`invite_global_window_minutes`, every redemption is refused as rate_limited until the window has moved on.
Reaching either limit is logged (never the codes typed, nor who typed them).
"""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..errors import Unreadable
from ..config import Settings
from ..storage.models import ChannelAccount, Invite, InviteFailure, OrgUnit, Person, RoleBinding, utcnow
from . import audit, people
from .tree import AmbiguousUnit, breadcrumb, find_unit
from .people import RoleView
from .permissions import ADMIN, ROLE_LEVELS, ROLE_RANK, bindings, can, check_role

log = logging.getLogger("assistant.invites")
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud and type
CODE_LENGTH = 8


class InviteNotAllowed(PermissionError):
    """The creator may not grant this role at this unit."""


class Outcome(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    RATE_LIMITED = "rate_limited"
    OTHER_PERSON = "other_person"  # the account already belongs to someone other than the invited person


@dataclass
class RedeemResult:
    """The outcome; on OK also the person and binding, and plain values safe after the session closed."""

    outcome: Outcome
    person: Person | None = None
    binding: RoleBinding | None = None
    invite: Invite | None = None
    failures_left: int | None = None  # after an UNKNOWN code
    person_name: str | None = None
    role: str | None = None
    unit_name: str | None = None
    unit_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK


@dataclass
class Identity:
    """Who a channel account is, as plain values (safe after the session closed)."""

    person_id: int
    account_id: int
    name: str
    phone: str  # in full: only the owner asks "who am I"
    party_member: bool
    language_code: str | None
    roles: list[RoleView] = field(default_factory=list)  # each: role, unit_id, unit_name, unit_level, unit_path

    @property
    def role_names(self) -> list[str]:
        return [view.role for view in self.roles]


def normalise_code(code: str) -> str:
    """Upper case without spaces or dashes ("ab3d-7kq9" -> "AB3D7KQ9")."""
    return re.sub(r"[\s\-_]", "", code or "").upper()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def create_invite(
    session: Session,
    settings: Settings,
    role: str,
    unit: OrgUnit,
    created_by: Person | None = None,
    name: str | None = None,
    person: Person | None = None,
    now: datetime | None = None,
) -> Invite:
    """A fresh code granting `role` at `unit`, valid `invite_ttl_days`.

    created_by None is the trusted CLI; otherwise `can(..., "invite", unit, role=role)` must hold
    (InviteNotAllowed). ValueError when the role does not fit the unit's level.
    """
    check_role(role, unit)
    if created_by is not None and not can(session, created_by, "invite", unit, role=role):
        raise InviteNotAllowed(f"{created_by.name} may not grant {role} at {unit.name}")
    now = now or utcnow()
    code = new_code()
    while session.scalar(select(func.count(Invite.id)).where(Invite.code == code)):
        code = new_code()
    invite = Invite(
        code=code, role=role, unit=unit, person=person, name=(name or "").strip() or None,
        created_by=created_by.id if created_by else None, created_at=now,
        expires_at=now + timedelta(days=settings.invite_ttl_days),
    )
    session.add(invite)
    session.flush()
    audit.record(session, "invite_create", actor_id=invite.created_by, unit_id=unit.id, subject=invite.name or "",
                 after={"invite_id": invite.id, "role": role, "unit": breadcrumb(session, unit), "name": invite.name,
                        "expires_at": invite.expires_at.isoformat()}, now=now)
    return invite


def account_of(session: Session, channel: str, external_id: str | int) -> ChannelAccount | None:
    return session.scalars(select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.external_id == str(external_id))).first()


def failures(session: Session, settings: Settings, channel: str, external_id: str, now: datetime) -> int:
    """Wrong codes from this account within the window ending at `now`."""
    since = now - timedelta(minutes=settings.invite_failure_window_minutes)
    return session.scalar(select(func.count(InviteFailure.id)).where(
        InviteFailure.channel == channel, InviteFailure.external_id == external_id,
        InviteFailure.failed_at > since)) or 0


def global_failures(session: Session, settings: Settings, now: datetime) -> int:
    """Wrong codes from all accounts within the global window ending at `now`."""
    since = now - timedelta(minutes=settings.invite_global_window_minutes)
    return session.scalar(select(func.count(InviteFailure.id)).where(InviteFailure.failed_at > since)) or 0


def redeem(
    session: Session,
    settings: Settings,
    code: str,
    channel: str,
    external_id: str | int,
    language_code: str | None = None,
    now: datetime | None = None,
    display_name: str | None = None,
) -> RedeemResult:
    """Use an invite code from a chat account: bind the account to the person and grant the role.

    The person is the invite's person, else the account's person, else a new one named by the invite
    (or `display_name`). A code works once, even under concurrent redemption.
    """
    now = now or utcnow()
    external_id = str(external_id)
    count = failures(session, settings, channel, external_id, now)
    if count >= settings.invite_max_failures:
        return RedeemResult(Outcome.RATE_LIMITED)
    everyone = global_failures(session, settings, now)
    if everyone >= settings.invite_global_max_failures:
        return RedeemResult(Outcome.RATE_LIMITED)
    invite = session.scalars(select(Invite).where(Invite.code == normalise_code(code))).first()
    if invite is None:
        _record_failure(session, settings, channel, external_id, now)
        if count + 1 == settings.invite_max_failures:
            log.warning("invite codes: %d wrong in %d min from one %s account; it waits", count + 1,
                        settings.invite_failure_window_minutes, channel)
        if everyone + 1 == settings.invite_global_max_failures:
            log.warning("invite codes: %d wrong in %d min from all accounts; every redemption waits", everyone + 1,
                        settings.invite_global_window_minutes)
        return RedeemResult(Outcome.UNKNOWN, failures_left=settings.invite_max_failures - count - 1)
    if invite.used_at is not None:
        return RedeemResult(Outcome.USED, invite=invite)
    if invite.expires_at <= now:
        return RedeemResult(Outcome.EXPIRED, invite=invite)
    account = account_of(session, channel, external_id)
    if account is not None and invite.person_id is not None and account.person_id != invite.person_id:
        return RedeemResult(Outcome.OTHER_PERSON, person=account.person, invite=invite, person_name=account.person.name)

    savepoint = session.begin_nested()
    person = invite.person or (account.person if account else None)
    if person is None:
        person = people.create_person(session, invite.name or display_name or f"{channel}:{external_id}")
    if account is None:
        account = ChannelAccount(channel=channel, external_id=external_id, person=person, bound_at=now)
        session.add(account)
    if language_code:
        account.language_code = language_code
    session.flush()
    claimed = session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by_account_id=account.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        savepoint.rollback()
        return RedeemResult(Outcome.USED, invite=invite)
    binding = people.bind_role(session, person, invite.role, invite.unit, actor_id=invite.created_by)
    audit.record(session, "invite_redeem", actor_id=person.id, unit_id=invite.unit_id, subject=person.name,
                 after={"invite_id": invite.id, "role": invite.role, "person_id": person.id, "channel": channel},
                 now=now)
    savepoint.commit()
    session.refresh(invite)
    return RedeemResult(Outcome.OK, person=person, binding=binding, invite=invite, person_name=person.name,
                        role=binding.role, unit_name=invite.unit.name, unit_path=breadcrumb(session, invite.unit))


def _record_failure(session: Session, settings: Settings, channel: str, external_id: str, now: datetime) -> None:
    window = timedelta(minutes=max(settings.invite_failure_window_minutes, settings.invite_global_window_minutes))
    session.execute(delete(InviteFailure).where(InviteFailure.failed_at <= now - window))  # counted by neither
    session.add(InviteFailure(channel=channel, external_id=external_id, failed_at=now))
    session.flush()


def whoami(session: Session, channel: str, external_id: str | int) -> Identity | None:
    """The person behind a channel account with their role bindings, or None when unregistered."""
    account = account_of(session, channel, external_id)
    if account is None:
        return None
    person = account.person
    return Identity(person.id, account.id, person.name, person.phone or "", person.party_member,
                    account.language_code, [RoleView.of(session, b) for b in people.roles_of(person)])


def person_id_of(session: Session, channel: str, external_id: str | int) -> int | None:
    """The id of the person behind a channel account, or None when unregistered."""
    account = account_of(session, channel, external_id)
    return account.person_id if account else None


def grantable_roles(session: Session, person: Person) -> list[str]:
    """Roles `person` may hand out somewhere in their subtree, highest first."""
    return [role for role in sorted(ROLE_RANK, key=ROLE_RANK.get)
            if role != ADMIN and can(session, person, "invite", None, role=role)]


def invite_targets(session: Session, person: Person, role: str, limit: int = 50) -> list[tuple[int, str]]:
    """(unit id, breadcrumb) of the units where `person` may grant `role`, in tree order."""
    roots = [b.unit for b in bindings(session, person)]
    paths = {u.path for u in roots}
    query = select(OrgUnit).where(OrgUnit.level.in_(ROLE_LEVELS[role])).order_by(OrgUnit.path)
    if not any(b.role == ADMIN for b in bindings(session, person)):
        query = query.where(or_(*(OrgUnit.path.startswith(p, autoescape=True) for p in paths)))
    targets = []
    for unit in session.scalars(query):
        if can(session, person, "invite", unit, role=role):
            targets.append((unit.id, breadcrumb(session, unit)))
            if len(targets) >= limit:
                break
    return targets


class TargetError(ValueError):
    """Why a unit cannot receive the invite: "unknown", "ambiguous" or "not_allowed"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resolve_target(session: Session, person: Person, role: str, ref: str | int, *, by_id: bool = True) -> OrgUnit:
    """The unit `ref` (id, code, name or path; typed, `by_id=False`: no id) if `person` may grant `role` there;
    TargetError otherwise."""
    try:
        unit = find_unit(session, ref, by_id=by_id)
    except AmbiguousUnit:
        raise TargetError("ambiguous") from None
    if unit is None:
        raise TargetError("unknown")
    if unit.level not in ROLE_LEVELS[role] or not can(session, person, "invite", unit, role=role):
        raise TargetError("not_allowed")
    return unit


@dataclass(frozen=True)
class IssuedInvite:
    """A code just created, as the bot shows it."""

    code: str
    expires_at: datetime


def _inviter(session: Session, person_id: int | None) -> Person | None:
    return session.get(Person, person_id) if person_id else None


def roles_grantable_by(session: Session, person_id: int | None) -> list[str]:
    """grantable_roles for a person id (none for an unregistered sender)."""
    person = _inviter(session, person_id)
    return grantable_roles(session, person) if person else []


def targets_for(session: Session, person_id: int | None, role: str, limit: int = 50) -> list[tuple[int, str]]:
    """invite_targets for a person id; Unreadable for a role that does not exist (a forged button)."""
    if role not in ROLE_LEVELS:
        raise Unreadable()
    return invite_targets(session, _inviter(session, person_id), role, limit)


def check_target(session: Session, person_id: int | None, role: str, ref: str | int, *,
                 by_id: bool = True) -> tuple[int, str]:
    """(unit id, breadcrumb) of resolve_target for a person id; TargetError as there."""
    unit = resolve_target(session, _inviter(session, person_id), role, ref, by_id=by_id)
    return unit.id, breadcrumb(session, unit)


def issue_invite(session: Session, settings: Settings, person_id: int | None, role: str, unit_ref: str | int,
                 name: str | None = None) -> IssuedInvite:
    """The person's invite for `role` at the unit `unit_ref` (checked again); TargetError, InviteNotAllowed."""
    person = _inviter(session, person_id)
    unit = resolve_target(session, person, role, unit_ref)
    invite = create_invite(session, settings, role, unit, created_by=person, name=name)
    return IssuedInvite(invite.code, invite.expires_at)
