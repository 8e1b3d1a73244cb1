"""Excel workbooks with numbers as numbers (euro format), for controllers who work in Excel."""

from collections.abc import Iterable, Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

EURO_FORMAT = '"€" #,##0;[Red]-"€" #,##0'


def workbook_bytes(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence], set[int]]],
) -> bytes:
    """``sheets``: (title, header, rows, indexes of euro columns) → an .xlsx file's bytes."""
    book = Workbook()
    if book.active is not None:  # a new workbook has one empty sheet
        book.remove(book.active)
    for title, header, rows, euro_columns in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for index in euro_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = EURO_FORMAT
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(name)) + 4)
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
