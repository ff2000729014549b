"""One Excel writer for every export: write-only workbooks from headers and
rows, every cell typed, every text cell guarded against formula injection.

    data = excel.workbook_bytes([
        excel.Sheet(_("Tickets"), headers, rows, kinds=(excel.TEXT, excel.DATETIME, excel.MONEY)),
    ], zone=project_zone)
    name = excel.export_filename("tickets", project.code)   # tickets-DEMO-20261201-0930.xlsx

Typing, by the column's kind or else by the value:
- text: always a string cell. A value starting with = + - @ or a tab/CR is
  stored as text with Excel's quote prefix, so neither opening the file nor
  editing the cell turns a resident's "=HYPERLINK(...)" into a formula.
  Characters XML cannot hold are dropped (openpyxl would refuse the row).
- money: a number (Decimal kept exact) shown with two decimals (`0.00`).
- date / datetime: real Excel dates; aware datetimes are written as the wall
  clock of `zone` (Excel has no time zones).
- percent: a ratio (0.95) shown as `95.0%`.
- number: ints and floats as they are."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

TEXT = "text"
NUMBER = "number"
MONEY = "money"
DATE = "date"
DATETIME = "datetime"
PERCENT = "percent"

FORMATS = {
    TEXT: "@",
    MONEY: "0.00",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
    PERCENT: "0.0%",
}
# What a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TITLE = 31  # Excel's limit on a sheet name
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    # One kind per column (TEXT, MONEY, …) or None to type by the value.
    kinds: Sequence[str | None] = field(default_factory=tuple)
    # Column widths in characters; by default from the header's length.
    widths: Sequence[int | None] = field(default_factory=tuple)


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def typed_value(value: Any, kind: str | None = None, zone: dt.tzinfo | None = None) -> tuple[Any, str | None]:
    """The value to store and its number format, without openpyxl (testable alone)."""
    if value is None:
        return None, None
    if value == "" and kind != TEXT:
        return None, None  # an empty text column keeps its "@" format for what is typed later
    if isinstance(value, Promise):
        value = str(value)
    if kind == TEXT:
        return _clean_text(value if isinstance(value, str) else str(value)), FORMATS[TEXT]
    if isinstance(value, str):
        return _clean_text(value), None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(zone or timezone.get_current_timezone()).replace(tzinfo=None)
        return value, FORMATS[DATE] if kind == DATE else FORMATS[DATETIME]
    if isinstance(value, dt.date):
        return value, FORMATS[DATE]
    if kind == PERCENT:
        return value, FORMATS[PERCENT]
    if kind == MONEY or (isinstance(value, Decimal) and kind is None):
        return value, FORMATS[MONEY]
    return value, None


def _clean_text(text: str) -> str:
    return cast(str, ILLEGAL_CHARACTERS_RE.sub("", text))  # openpyxl is untyped


def _cell(ws: Any, value: Any, kind: str | None, zone: dt.tzinfo | None) -> Any:
    """A WriteOnlyCell (openpyxl is untyped: Any), or None for an empty cell."""
    value, number_format = typed_value(value, kind, zone)
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # the formula-injection guard: a string cell is never a formula
        if formula_like(value):
            cell.quotePrefix = True  # and stays text when someone edits it in Excel
    if number_format:
        cell.number_format = number_format
    return cell


def write_sheet(wb: Workbook, sheet: Sheet, *, zone: dt.tzinfo | None = None) -> None:
    ws = wb.create_sheet(title=str(sheet.title)[:MAX_TITLE])
    headers = [str(h) for h in sheet.headers]
    for i, header in enumerate(headers):
        width = sheet.widths[i] if i < len(sheet.widths) and sheet.widths[i] else max(12, len(header) * 2 + 4)
        ws.column_dimensions[_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    head = []
    for header in headers:
        cell = _cell(ws, header, TEXT, zone)
        cell.font = _BOLD
        head.append(cell)
    ws.append(head)
    kinds = list(sheet.kinds)
    for row in sheet.rows:
        ws.append([_cell(ws, v, kinds[i] if i < len(kinds) else None, zone) for i, v in enumerate(row)])


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return cast(str, get_column_letter(index))


def workbook_bytes(sheets: Iterable[Sheet], *, zone: dt.tzinfo | None = None) -> bytes:
    """A write-only workbook (rows streamed, not kept) holding `sheets`."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(wb, sheet, zone=zone)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(stem: str, *parts: str, at: dt.datetime | None = None, ext: str = "xlsx") -> str:
    """`tickets-DEMO-20261201-0930.xlsx`: ASCII only, safe in a Content-Disposition."""
    moment = timezone.localtime(at) if at is not None else timezone.localtime()
    words = [
        "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._") else "_" for ch in w) for w in (stem, *parts) if w
    ]
    return f"{'-'.join(words)}-{moment:%Y%m%d-%H%M}.{ext}"
