"""Excel workbooks with numbers as numbers (euro format), for controllers who work in Excel.

This module is the only place bwmo puts a value in a cell (``put``): every text is written as
text. A provider called ``=HYPERLINK(...)`` or a product ``=1+1`` typed in beheer must reach
the controller's workbook as those characters, never as a live formula (security.md).
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

EURO_FORMAT = '"€" #,##0;[Red]-"€" #,##0'
DATETIME_WIDTH = 20  # "2026-03-01 09:14:00" fits

# What a spreadsheet takes as the start of a formula when someone edits the cell or pastes
# it on (OWASP "CSV injection"), including the full-width forms an IME types.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

# Written as they are (bool is an int): numbers stay numbers, dates stay dates.
_AS_IS = (int, float, Decimal, datetime.date, datetime.datetime, datetime.time)


def put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write ``value`` into a cell: numbers and dates as themselves, everything else as text.

    openpyxl turns a string starting with ``=`` into a formula and ``#N/A`` into an error
    value; here a string is always stored as a string (``data_type`` "s"). One that begins
    like a formula also gets Excel's quote prefix, so editing the cell keeps it text, while
    the value shown stays exactly the text itself. Control characters that an .xlsx file
    cannot hold become U+FFFD instead of breaking the export.
    """
    cell = sheet.cell(row=row, column=column)
    # A fresh sheet has no merged ranges, so this is always a plain Cell.
    assert isinstance(cell, Cell)
    if value is None or isinstance(value, _AS_IS):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def put_row(sheet: Worksheet, row: int, values: Iterable[object]) -> None:
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value)


def workbook_bytes(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence], set[int]]],
) -> bytes:
    """``sheets``: (title, header, rows, indexes of euro columns) → an .xlsx file's bytes."""
    book = Workbook()
    if book.active is not None:  # a new workbook has one empty sheet
        book.remove(book.active)
    for title, header, rows, euro_columns in sheets:
        sheet = book.create_sheet(title=_sheet_title(title))
        put_row(sheet, 1, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for number, row in enumerate(rows, start=2):
            put_row(sheet, number, row)
        for index in euro_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = EURO_FORMAT
        for index, name in enumerate(header, start=1):
            width = max(12, len(str(name)) + 4)
            if any(
                isinstance(cell.value, datetime.datetime)
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index)
            ):
                width = max(width, DATETIME_WIDTH)  # narrower shows as ##### in Excel
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``\\ / ? * [ ] :``."""
    cleaned = "".join("_" if c in "\\/?*[]:" else c for c in str(title))
    return cleaned[:31] or "Blad"
