"""The organisation tree: lookups, subtree checks, and CSV/XLSX import and export.

File columns: level, name, parent (the parent's code or name), code (optional). Chinese headers and level
names are accepted (层级/名称/上级/编码; 区/街道/社区/小区/楼栋/户). A file is imported whole or not at all.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..messages import t
from ..storage.db import Database
from ..storage.models import LEVELS, OrgUnit
from . import audit

HEADERS = {
    "level": ("level", "层级", "级别", "类型"),
    "name": ("name", "名称", "单位名称", "组织名称"),
    "parent": ("parent", "上级", "上级名称", "上级单位", "上级编码"),
    "code": ("code", "编码", "代码", "编号"),
}
LEVEL_ALIASES = {
    "district": ("区", "县", "区县", "区（县）", "区委", "县委", "区/县委", "区（市、县）委"),
    "street": ("街道", "乡镇", "镇", "街道大工委"),
    "community": ("社区", "村", "社区大党委"),
    "compound": ("小区", "网格", "小区/网格", "小区（网格）", "党支部", "小区党支部", "网格党支部"),
    "building": ("楼栋", "楼", "巷", "片", "楼栋（巷、片）"),
    "household": ("户", "住户", "家庭"),
}
_LEVEL = {alias.lower(): level for level, aliases in LEVEL_ALIASES.items() for alias in (level, *aliases)}
_HEADER = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}


def level_name(level: str, lang: str | None = None) -> str:
    """The level's display name ("compound" -> "小区（网格）")."""
    return t(f"org.level.{level}", lang) if level in LEVELS else level


class AmbiguousUnit(LookupError):
    """More than one unit matches a name; `candidates` lists them."""

    def __init__(self, name: str, candidates: list[OrgUnit]) -> None:
        super().__init__(f"{name!r} matches {len(candidates)} units")
        self.name, self.candidates = name, candidates


def add_unit(session: Session, name: str, level: str, parent: OrgUnit | None = None, code: str | None = None) -> OrgUnit:
    """Create a unit exactly one level below its parent (a district has none) and set its path."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    if (parent is None) != (level == "district") or (parent and parent.depth + 1 != LEVELS.index(level)):
        raise ValueError(f"a {level} cannot be under {parent.level if parent else 'nothing'}")
    unit = OrgUnit(name=name, level=level, parent=parent, code=code or None)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def _unit(session: Session, unit: OrgUnit | int) -> OrgUnit:
    return session.get(OrgUnit, unit) if isinstance(unit, int) else unit


MAX_ID = 2**31  # longer digit strings are codes (e.g. 341802001001), never ids


def find_unit(session: Session, name_or_id: str | int, *, by_id: bool = True) -> OrgUnit | None:
    """A unit by id, code, name, or name path ("澄江街道/梅园社区"); AmbiguousUnit when a name is not unique.
    `by_id=False` for what a person typed in a chat: a number there is a code or a name, never a row id."""
    text = str(name_or_id).strip()
    if by_id and text.isdigit() and int(text) < MAX_ID and (unit := session.get(OrgUnit, int(text))) is not None:
        return unit
    if (unit := session.scalars(select(OrgUnit).where(OrgUnit.code == text)).first()) is not None:
        return unit
    parts = [p.strip() for p in text.replace(">", "/").split("/") if p.strip()]
    if not parts:
        return None
    matches = list(session.scalars(select(OrgUnit).where(OrgUnit.name == parts[-1]).order_by(OrgUnit.path)))
    if len(parts) > 1:
        matches = [u for u in matches if _ends_with(session, u, parts)]
    if len(matches) > 1:
        raise AmbiguousUnit(text, matches)
    return matches[0] if matches else None


def _ends_with(session: Session, unit: OrgUnit, names: list[str]) -> bool:
    return [u.name for u in ancestry(session, unit)[-len(names):]] == names


def ancestry(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """The chain from the district down to `unit`."""
    ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids]


def breadcrumb(session: Session, unit: OrgUnit) -> str:
    """"宣州区 > 澄江街道 > 梅园社区" for display and disambiguation."""
    return " > ".join(u.name for u in ancestry(session, unit))


def subtree_ids(session: Session, unit: OrgUnit | int) -> list[int]:
    """Ids of `unit` and every unit below it."""
    unit = _unit(session, unit)
    return list(session.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))))


def is_within(session: Session, unit: OrgUnit | int, ancestor: OrgUnit | int) -> bool:
    """True when `unit` is `ancestor` or below it."""
    return _unit(session, unit).path.startswith(_unit(session, ancestor).path)



def units_by_level(session: Session) -> dict[str, int]:
    """How many units the tree has at each level, top level first (levels with none left out)."""
    counts = dict(session.execute(select(OrgUnit.level, func.count(OrgUnit.id)).group_by(OrgUnit.level)).all())
    return {level: counts[level] for level in LEVELS if counts.get(level)}


def all_compounds(session: Session) -> list[tuple[int, str]]:
    """(id, breadcrumb) of every compound, in tree order."""
    units = session.scalars(select(OrgUnit).where(OrgUnit.level == "compound").order_by(OrgUnit.path))
    return [(u.id, breadcrumb(session, u)) for u in units]


def find_compound(session: Session, ref: str | int, *, by_id: bool = True) -> tuple[int, str] | None:
    """(id, breadcrumb) of the compound `ref` names (as find_unit reads it, `by_id` as there); None when it names
    no compound or more than one unit."""
    try:
        unit = find_unit(session, ref, by_id=by_id)
    except AmbiguousUnit:
        return None
    return (unit.id, breadcrumb(session, unit)) if unit is not None and unit.level == "compound" else None


# ---------------------------------------------------------------- import / export


@dataclass
class RowError:
    """A bad row: its row number as a spreadsheet shows it (header = row 1) and a catalogue reason."""

    row: int
    key: str
    values: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        values = {k: level_name(v, lang) if k.endswith("level") else v for k, v in self.values.items()}
        reason = t(self.key, lang, **values)
        return t("org.row_error", lang, row=self.row, reason=reason) if self.row > 0 else reason


class OrgImportError(ValueError):
    """The file has bad rows; nothing of it was imported."""

    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.path, self.errors = path, errors
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        head = t("org.import_failed", lang, path=self.path.name, count=len(self.errors))
        return "\n".join([head, *(e.message(lang) for e in self.errors)])


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    num: int
    level: str
    name: str
    parent: str
    code: str
    depth: int = -1
    parent_row: _Row | None = None
    parent_unit: OrgUnit | None = None
    target: OrgUnit | None = None


def _cell(value) -> str:
    value = int(value) if isinstance(value, float) and value.is_integer() else value
    return "" if value is None else str(value).strip()


def read_table(path: Path) -> list[list[str]]:
    """The first sheet of an .xlsx, or a .csv in UTF-8 (with or without BOM) or GBK, as rows of stripped text."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix in (".csv", ".txt"):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # CSV saved by a Chinese Excel
        return [[_cell(v) for v in row] for row in csv.reader(text.splitlines())]
    raise OrgImportError(path, [RowError(0, "org.err.format", {"suffix": suffix or path.name})])


def _header(cells: list[str]) -> list[str | None]:
    return [_HEADER.get(h.replace(" ", "").lower()) for h in cells]


def _parse(path: Path) -> list[_Row]:
    table = read_table(path)
    start = 1  # the header's row; 2 under a title row (a workbook `export_org` wrote)
    if len(table) > 1 and not any(_header(table[0])) and any(_header(table[1])):
        start = 2
    header = _header(table[start - 1]) if table else []
    missing = [key for key in ("level", "name", "parent") if key not in header]
    if missing:
        raise OrgImportError(path, [RowError(start, "org.err.columns", {"columns": ", ".join(missing)})])
    rows = []
    for num, cells in enumerate(table[start:], start=start + 1):
        if not any(cells):
            continue
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        rows.append(_Row(num, values["level"], values["name"], values["parent"], values.get("code", "")))
    return rows


def _resolve(session: Session, rows: list[_Row]) -> list[RowError]:
    """Check every row and find its parent and the existing unit it matches; returns the errors."""
    errors: list[RowError] = []
    by_code: dict[str, _Row] = {}
    by_name: dict[str, list[_Row]] = {}
    for row in rows:
        row.depth = LEVELS.index(_LEVEL[row.level.lower()]) if row.level.lower() in _LEVEL else -1
        if row.depth < 0:
            errors.append(RowError(row.num, "org.err.level", {"value": row.level}))
        if not row.name:
            errors.append(RowError(row.num, "org.err.name_empty"))
        if row.code and by_code.setdefault(row.code, row) is not row:
            errors.append(RowError(row.num, "org.err.duplicate", {"other": by_code[row.code].num}))
        by_name.setdefault(row.name, []).append(row)
    seen: dict[tuple, _Row] = {}
    for row in sorted((r for r in rows if r.depth >= 0 and r.name), key=lambda r: (r.depth, r.num)):
        error = _resolve_parent(session, row, by_code, by_name)
        if not error and row.parent_row is not None and row.parent_row.depth < 0:
            continue  # the parent row is reported already
        error = error or _match(session, row)
        if error:
            errors.append(error)
            continue
        key = (id(row.parent_row) if row.parent_row else row.parent_unit and row.parent_unit.id, row.name)
        if key in seen:
            errors.append(RowError(row.num, "org.err.duplicate", {"other": seen[key].num}))
        seen.setdefault(key, row)
    return sorted(errors, key=lambda e: e.row)


_AMBIGUOUS = object()


def _pick(candidates: list, depth: int):
    """The one candidate at `depth` (else the only candidate), None, or _AMBIGUOUS."""
    pool = [c for c in candidates if c.depth == depth] or candidates
    return _AMBIGUOUS if len(pool) > 1 else (pool[0] if pool else None)


def _resolve_parent(session: Session, row: _Row, by_code: dict, by_name: dict) -> RowError | None:
    if row.depth == 0:
        return RowError(row.num, "org.err.district_parent") if row.parent else None
    if not row.parent:
        return RowError(row.num, "org.err.parent_missing")
    found = by_code.get(row.parent) or _pick([r for r in by_name.get(row.parent, []) if r is not row], row.depth - 1)
    if found is None:
        found = session.scalars(select(OrgUnit).where(OrgUnit.code == row.parent)).first() or _pick(
            list(session.scalars(select(OrgUnit).where(OrgUnit.name == row.parent))), row.depth - 1)
    if found is _AMBIGUOUS:
        return RowError(row.num, "org.err.parent_ambiguous", {"value": row.parent})
    if found is None:
        return RowError(row.num, "org.err.parent_not_found", {"value": row.parent})
    if isinstance(found, _Row):
        row.parent_row = found
        if found.depth < 0:
            return None
    else:
        row.parent_unit = found
    if found.depth + 1 != row.depth:
        return RowError(row.num, "org.err.parent_level",
                        {"level": LEVELS[row.depth], "parent": row.parent, "parent_level": LEVELS[found.depth]})
    if row.parent_row:
        row.parent_unit = row.parent_row.target
    return None


def _match(session: Session, row: _Row) -> RowError | None:
    """Find the existing unit for a row: by code, else by parent and name."""
    parent = row.parent_unit
    if row.code:
        row.target = session.scalars(select(OrgUnit).where(OrgUnit.code == row.code)).first()
    if row.target is None and (parent is not None or row.depth == 0):
        row.target = session.scalars(select(OrgUnit).where(
            OrgUnit.name == row.name, OrgUnit.level == LEVELS[row.depth],
            OrgUnit.parent_id == parent.id if parent else OrgUnit.parent_id.is_(None))).first()
        if row.target is not None and row.code and row.target.code and row.target.code != row.code:
            return RowError(row.num, "org.err.code_conflict", {"code": row.target.code})
    target = row.target
    if target is not None and (target.depth != row.depth or target.parent_id != (parent.id if parent else None)):
        return RowError(row.num, "org.err.code_elsewhere", {"code": row.code, "path": breadcrumb(session, target)})
    return None


def no_progress(items: Sequence, stage: str) -> Iterable:
    """The default `track` of the imports: the items as they are (the CLI passes a progress bar's)."""
    return items


def import_org(db: Database, path: str | Path, track: Callable[[Sequence, str], Iterable] = no_progress
               ) -> ImportReport:
    """Import a CSV or XLSX tree in one transaction; raises OrgImportError (nothing imported) on bad rows.
    `track(rows, "import")` sees the rows being written."""
    path = Path(path)
    rows = _parse(path)
    report = ImportReport()
    with db.session() as session:
        errors = _resolve(session, rows)
        if errors:
            raise OrgImportError(path, errors)
        for row in track(sorted(rows, key=lambda r: (r.depth, r.num)), "import"):
            parent = row.parent_row.target if row.parent_row else row.parent_unit
            if row.target is None:
                row.target = add_unit(session, row.name, LEVELS[row.depth], parent, row.code or None)
                report.created += 1
            elif row.target.name != row.name or (row.code and row.target.code != row.code):
                row.target.name, row.target.code = row.name, row.code or row.target.code
                report.updated += 1
            else:
                report.unchanged += 1
        audit.record(session, "org_import", subject=path.name,
                     after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
    return report


def export_org(db: Database, path: str | Path, zone: ZoneInfo, lang: str | None = None) -> int:
    """Write the whole tree (parents before children) as .csv or .xlsx (a titled sheet, workbook.Book, its title
    dated in `zone`), either
    one importable again; returns the number of units."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ValueError(t("org.err.format", suffix=path.suffix or path.name))
    with db.session(read_only=True) as session:
        units = sorted(session.scalars(select(OrgUnit)), key=lambda u: (u.depth, u.path))
        by_id = {u.id: u for u in units}
        rows = [["level", "name", "parent", "code"]]
        for u in units:
            parent = by_id.get(u.parent_id)
            rows.append([u.level, u.name, (parent.code or parent.name) if parent else "", u.code or ""])
    if path.suffix.lower() == ".xlsx":
        from ..storage.models import utcnow
        from ..workbook import TEXT, Book, Column, title_line

        columns = [Column(t(f"org.xlsx.col.{key}", lang), TEXT, width) for key, width in
                   (("level", 14), ("name", 24), ("parent", 24), ("code", 16))]
        book = Book(zone)
        book.sheet(t("org.xlsx.sheet", lang), title_line(lang, utcnow(), zone, t("org.xlsx.title", lang)), columns,
                   ([level_name(level, lang), *rest] for level, *rest in rows[1:]))
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return len(units)
