"""The people roster: CSV/XLSX import of people and their roles, read like the tree import (UTF-8 or GBK).

Columns: name, phone, role, unit, party_member (yes/no), work_unit; Chinese headers are accepted
(姓名/电话/角色/单位/是否党员/工作单位); a row with both its role and unit cells empty records the person
alone, without a role (someone to seat on a committee or to name with `--person`). A person is the one with the
row's phone, else the one with its name; a shared phone or name is an error, never a silent pick. A file is
imported whole or not at all: every bad row is reported with its number and field.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import CATALOGUE, t
from ..storage.db import Database
from ..storage.models import ROLES, OrgUnit, Person
from . import audit
from .people import bind_role, create_person, normalise_phone
from .permissions import ROLE_LEVELS
from .tree import AmbiguousUnit, OrgImportError, RowError, find_unit, level_name, no_progress, read_table

HEADERS = {
    "name": ("name", "姓名", "名字"),
    "phone": ("phone", "电话", "手机", "手机号", "手机号码", "联系电话"),
    "role": ("role", "角色", "职务"),
    "unit": ("unit", "单位", "所在单位", "所属单位", "组织"),
    "party_member": ("party_member", "party", "党员", "是否党员"),
    "work_unit": ("work_unit", "工作单位"),
}
REQUIRED = ("name", "role", "unit")
YES = frozenset({"是", "yes", "y", "true", "1", "党员", "中共党员", "√"})
NO = frozenset({"否", "no", "n", "false", "0", "群众", "非党员"})
NAME_MAX, WORK_UNIT_MAX = 100, 200
PHONE_DIGITS = range(7, 16)
_HEADER = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
_ROLE = {alias.lower(): role for role in ROLES
         for alias in (role, *CATALOGUE[f"role.{role}"].values())}


def role_id(text: str) -> str | None:
    """The role a cell or chat argument names: its id or its Chinese or English name; None when unknown."""
    return _ROLE.get((text or "").strip().lower())


@dataclass
class FieldError(RowError):
    """A bad cell: the row error names the column too."""

    column: str = ""

    def message(self, lang: str | None = None) -> str:
        reason = t(self.key, lang, **self.values)
        return t("people.row_error", lang, row=self.row, field=t(f"people.field.{self.column}", lang), reason=reason)


@dataclass
class RosterReport:
    created: int = 0
    updated: int = 0
    granted: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    num: int
    values: dict[str, str]
    name: str = ""
    phone: str | None = None
    role: str = ""
    unit: OrgUnit | None = None
    party: bool | None = None
    person: Person | None = None
    key: tuple = field(default=())


def _parse(path: Path) -> list[_Row]:
    table = read_table(path)
    header = [_HEADER.get(h.replace(" ", "").lower()) for h in (table[0] if table else [])]
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise OrgImportError(path, [RowError(1, "people.err.columns", {"columns": ", ".join(missing)})])
    rows = []
    for num, cells in enumerate(table[1:], start=2):
        if any(cells):
            rows.append(_Row(num, {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}))
    return rows


def _check(session: Session, row: _Row) -> list[FieldError]:
    """Read one row's cells; the errors of each bad field."""
    errors, v = [], row.values
    row.name = v["name"]
    if not row.name or len(row.name) > NAME_MAX:
        errors.append(FieldError(row.num, "people.err.name", {"max": NAME_MAX}, column="name"))
    raw_phone = v.get("phone", "")
    row.phone = normalise_phone(raw_phone)
    digits = (row.phone or "").lstrip("+")
    if raw_phone and (not digits.isdigit() or len(digits) not in PHONE_DIGITS):
        errors.append(FieldError(row.num, "people.err.phone", {"value": raw_phone}, column="phone"))
    role, unit = v["role"], v["unit"]
    if bool(role) != bool(unit):
        errors.append(FieldError(row.num, "people.err.role_unit_pair", column="unit" if role else "role"))
    elif role:  # both empty: the person alone, without a role
        row.role = role_id(role) or ""
        if not row.role:
            errors.append(FieldError(row.num, "people.err.role", {"value": role, "roles": ", ".join(ROLES)},
                                     column="role"))
        try:
            row.unit = find_unit(session, unit)
            if row.unit is None:
                errors.append(FieldError(row.num, "people.err.unit", {"value": unit}, column="unit"))
        except AmbiguousUnit:
            errors.append(FieldError(row.num, "people.err.unit_ambiguous", {"value": unit}, column="unit"))
    if row.role and row.unit is not None and row.unit.level not in ROLE_LEVELS[row.role]:
        levels = "、".join(level_name(level) for level in ROLE_LEVELS[row.role])
        errors.append(FieldError(row.num, "people.err.role_level", {"role": t(f"role.{row.role}"), "levels": levels},
                                 column="role"))
    party = v.get("party_member", "").lower()
    row.party = True if party in YES else False if party in NO else None  # blank: as it is (new: not a member)
    if party and row.party is None:
        errors.append(FieldError(row.num, "people.err.party", {"value": v["party_member"]}, column="party_member"))
    if len(v.get("work_unit", "")) > WORK_UNIT_MAX:
        errors.append(FieldError(row.num, "people.err.too_long", {"max": WORK_UNIT_MAX}, column="work_unit"))
    return errors


def _match(session: Session, row: _Row, seen: dict[tuple, _Row]) -> FieldError | None:
    """Find the row's person (by phone, else by name) in the file's earlier rows and in the database."""
    row.key = ("phone", row.phone) if row.phone else ("name", row.name)
    earlier = seen.setdefault(row.key, row)
    if earlier is not row:
        if earlier.name != row.name:
            return FieldError(row.num, "people.err.phone_other_row", {"other": earlier.num, "name": earlier.name},
                              column="phone")
        row.person = earlier.person
        return None
    column = Person.phone == row.phone if row.phone else Person.name == row.name
    found = list(session.scalars(select(Person).where(column).order_by(Person.id)))
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        return (FieldError(row.num, "people.err.phone_shared", {"ids": ids}, column="phone") if row.phone else
                FieldError(row.num, "people.err.name_shared", {"ids": ids}, column="name"))
    if found and found[0].name != row.name:
        return FieldError(row.num, "people.err.phone_taken", {"id": found[0].id}, column="phone")
    row.person = found[0] if found else None
    return None


def import_people(db: Database, path: str | Path, actor_id: int | None = None,
                  track: Callable[[Sequence, str], Iterable] = no_progress) -> RosterReport:
    """Import a roster in one transaction; OrgImportError (nothing imported) lists every bad row and field.
    `track(rows, stage)` sees the rows being checked ("check") and then written ("import")."""
    path = Path(path)
    rows = _parse(path)
    report = RosterReport()
    with db.session() as session:
        errors: list[RowError] = []
        seen: dict[tuple, _Row] = {}
        for row in track(rows, "check"):
            bad = _check(session, row)
            errors.extend(bad or filter(None, [_match(session, row, seen)]))
        if errors:
            raise OrgImportError(path, sorted(errors, key=lambda e: e.row))
        people: dict[tuple, Person] = {}
        for row in track(rows, "import"):
            person = people.get(row.key) or row.person
            work_unit = row.values.get("work_unit") or None
            created = updated = False
            if person is None:
                person = create_person(session, row.name, row.phone, party_member=bool(row.party), work_unit=work_unit)
                report.created += 1
                created = True
            elif row.key not in people and ((row.party is not None and person.party_member != row.party) or
                                             (work_unit and person.work_unit != work_unit)):
                person.party_member = person.party_member if row.party is None else row.party
                person.work_unit = work_unit or person.work_unit
                report.updated += 1
                updated = True
            people[row.key] = person
            if not row.role:  # the person alone
                report.unchanged += not (created or updated)
                continue
            had = len(person.roles)
            bind_role(session, person, row.role, row.unit, actor_id=actor_id)
            session.refresh(person, ["roles"])
            if len(person.roles) > had:
                report.granted += 1
            else:
                report.unchanged += 1
        audit.record(session, "people_import", actor_id=actor_id, subject=path.name,
                     after={"created": report.created, "updated": report.updated, "granted": report.granted,
                            "unchanged": report.unchanged})
    return report
