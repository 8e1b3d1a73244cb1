"""Excel workbooks with numbers as numbers (euro format), for controllers who work in Excel.

This module is the only place bwmo puts a value in a cell (``put``): every text is written as
text. A provider called ``=HYPERLINK(...)`` or a product ``=1+1`` typed in beheer must reach
the controller's workbook as those characters, never as a live formula (security.md).
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

EURO_FORMAT = '"€" #,##0.00;[Red]-"€" #,##0.00'
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
ABOUT_TITLE = "Over dit bestand"
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


@dataclass(frozen=True)
class About:
    """What a workbook contains, written on its first sheet: a file that travels by mail
    must say on its own what it shows, for which period, with which filters, for whom, and
    who made it when."""

    title: str
    period: str
    filters: Sequence[tuple[str, str]]
    audience: str
    made_by: str = ""
    organisation: str = ""
    notes: Sequence[tuple[str, object]] = field(default_factory=tuple)
    made_at: datetime.datetime | None = None


def about_rows(about: About) -> list[tuple[str, object]]:
    from django.utils import timezone
    from django.utils.translation import gettext as _

    made_at = about.made_at or timezone.localtime()
    filters: list[tuple[str, object]] = [
        (_("Filter: %(name)s") % {"name": name}, value) for name, value in about.filters
    ] or [(_("Filters"), _("geen: alles binnen uw bevoegdheid"))]
    return [
        (_("Titel"), about.title),
        (_("Periode"), about.period),
        *filters,
        (_("Bedoeld voor"), about.audience),
        (_("Gemaakt op"), made_at.strftime("%d-%m-%Y %H:%M")),
        (_("Gemaakt door"), about.made_by or "—"),
        (_("Organisatie"), about.organisation or "—"),
        *about.notes,
    ]


def workbook_bytes(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence], set[int]]],
    *,
    about: About,
) -> bytes:
    """``sheets``: (title, header, rows, indexes of euro columns) → an .xlsx file's bytes.

    The first sheet is always "Over dit bestand" (``about``). Numbers are formatted: whole
    numbers as counts, euro columns rounded to cents as ``€ #,##0.00``, any other fraction
    rounded to one decimal (no float noise such as 26.93926553672316).
    """
    from django.utils.translation import gettext as _

    book = Workbook()
    if book.active is not None:  # a new workbook has one empty sheet
        book.remove(book.active)
    cover = book.create_sheet(title=_sheet_title(_(ABOUT_TITLE)))
    put_row(cover, 1, [_("Onderdeel"), _("Waarde")])
    for cell in cover[1]:
        cell.font = Font(bold=True)
    for number, (name, value) in enumerate(about_rows(about), start=2):
        _put_number(cover, number, 1, name, euro=False)
        _put_number(cover, number, 2, value, euro=False)
    cover.column_dimensions["A"].width = 32
    cover.column_dimensions["B"].width = 80
    for title, header, rows, euro_columns in sheets:
        sheet = book.create_sheet(title=_sheet_title(title))
        put_row(sheet, 1, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for number, row in enumerate(rows, start=2):
            for index, value in enumerate(row):
                _put_number(sheet, number, index + 1, value, euro=index in euro_columns)
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


def _put_number(sheet: Worksheet, row: int, column: int, value: object, *, euro: bool) -> Cell:
    """``put`` with the number rounded and formatted as what it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return put(sheet, row, column, value)
    if euro:
        cell = put(sheet, row, column, Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
        cell.number_format = EURO_FORMAT
    elif isinstance(value, int) or value == int(value):
        cell = put(sheet, row, column, int(value))
        cell.number_format = COUNT_FORMAT
    else:
        cell = put(sheet, row, column, Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))
        cell.number_format = DECIMAL_FORMAT
    return cell


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``\\ / ? * [ ] :``."""
    cleaned = "".join("_" if c in "\\/?*[]:" else c for c in str(title))
    return cleaned[:31] or "Blad"
