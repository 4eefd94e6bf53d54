"""Workbooks fit to hand to the bureau: every sheet has a title row (what, which unit, which period, when
generated), a bold frozen header with a filter, sensible widths, real dates and numbers, and prints landscape,
fit to the page width, with the title and header repeated on every page.

Streams rows (openpyxl write-only mode), so a sheet of tens of thousands of rows stays small in memory.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

DATETIME, DATE, TEXT, NUMBER, PERCENT, LONG_TEXT = "datetime", "date", "text", "number", "percent", "long_text"
FORMATS = {DATETIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd", NUMBER: "General", PERCENT: "0.0%"}
WIDTHS = {DATETIME: 17, DATE: 12, TEXT: 14, NUMBER: 9, PERCENT: 9, LONG_TEXT: 40}


@dataclass(frozen=True)
class Column:
    """A column: its header, what its values are and, when the default does not fit, its width in characters."""

    header: str
    kind: str = TEXT
    width: float | None = None


class Book:
    """An XLSX workbook of titled sheets; times (aware datetimes) are written in `zone` as real Excel dates."""

    def __init__(self, zone: ZoneInfo) -> None:
        from openpyxl import Workbook

        self.zone = zone
        self._book = Workbook(write_only=True)

    def sheet(self, name: str, title: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> int:
        """Append a sheet named `name` (≤ 31 characters) headed by `title`; returns the number of data rows."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.worksheet import Worksheet

        ws = self._book.create_sheet(name[:31])
        last = get_column_letter(len(columns))
        for i, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width or WIDTHS[column.kind]
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True

        head = WriteOnlyCell(ws, value=title)
        head.font = Font(bold=True, size=13)
        ws.merged_cells.add(f"A1:{last}1")
        ws.append([head])
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        wrap = Alignment(wrap_text=True, vertical="top")
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(wrap_text=True, vertical="center")
            header.append(cell)
        ws.append(header)
        n = 0
        for row in rows:
            cells = []
            for column, value in zip(columns, row):
                cell = WriteOnlyCell(ws, value=self._value(value))
                if column.kind in FORMATS:
                    cell.number_format = FORMATS[column.kind]
                if column.kind == LONG_TEXT:
                    cell.alignment = wrap
                cells.append(cell)
            ws.append(cells)
            n += 1
        ws.auto_filter.ref = f"A2:{last}{n + 2}"
        return n

    def _value(self, value):
        if isinstance(value, datetime):
            return value.astimezone(self.zone).replace(tzinfo=None) if value.tzinfo else value
        if isinstance(value, (date, int, float)) or value is None:
            return value
        return str(value)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        self._book.save(path)
        return path


def title_line(lang: str | None, generated: datetime, zone: ZoneInfo, *parts: str | None) -> str:
    """"诉求清单 · 梅园社区 · 本月（…） · 生成于 2026-12-01 10:00": the given parts (already translated, empty
    ones left out) and when the workbook was generated, in `zone`."""
    from .messages import t

    stamp = t("xlsx.generated", lang, at=generated.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
    return t("xlsx.sep", lang).join([p for p in parts if p] + [stamp])
