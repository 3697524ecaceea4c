"""Writing tables to .csv and .xlsx with bounded memory.

Rows arrive from a generator and go straight to the file: CSV in UTF-8 with a BOM (so Excel on
Chinese Windows opens it correctly), XLSX through xlsxwriter's constant-memory mode. Text cells
that a spreadsheet program would run as a formula (=, +, -, @, tab, CR) are written so they are
not: in CSV behind a leading apostrophe, in XLSX as string cells. Everything text is written as
text, so ID numbers and card numbers keep every digit.
"""

import csv
import datetime
import io
import os
from decimal import Decimal

def csv_safe(value):
    if value.__class__ is str and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def iter_csv(header, rows, *, chunk_bytes=256 * 1024, prepared=False):
    """CSV as UTF-8 bytes (with BOM) in pieces of about `chunk_bytes`, for a streamed response or a
    file. `prepared` rows hold only None, str (already formula-escaped), int and float."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    text = _text
    for row in rows:
        writer.writerow(row if prepared else [text(v) for v in row])
        if buffer.tell() > chunk_bytes:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(fh, header, rows, *, prepared=False):
    """fh: a binary file. Returns the number of data rows."""
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for piece in iter_csv(header, counted(), prepared=prepared):
        fh.write(piece)
    return count


def _text(value):
    if value.__class__ is str:
        return "'" + value if value and value[0] in "=+-@\t\r" else value
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return csv_safe(value) if isinstance(value, str) else value


def write_xlsx(path, header, rows, *, sheet_name="Sheet1", on_progress=None, every=5000, text_columns=()):
    """Stream rows into an .xlsx at `path`. Numbers (int, float, Decimal) become number cells,
    everything else a string cell. Returns the number of data rows."""
    import xlsxwriter

    target = str(path) if isinstance(path, (str, os.PathLike)) else path  # a path or a binary file
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheet = workbook.add_worksheet(sheet_name)
        bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7"})
        text = workbook.add_format({"num_format": "@"})
        for col, title in enumerate(header):
            sheet.write_string(0, col, title, bold)
            sheet.set_column(col, col, max(10, min(30, len(title) * 2 + 2)), text if col in text_columns else None)
        sheet.freeze_panes(1, 0)
        write_string, write_number = sheet.write_string, sheet.write_number
        count = 0
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                kind = value.__class__
                if kind is str:
                    if value:
                        write_string(r, c, value)
                elif kind is int or kind is float or kind is Decimal:
                    write_number(r, c, value)
                elif value is not None:
                    write_string(r, c, str(_text(value)))
            count = r
            if on_progress and count % every == 0:
                on_progress(count)
    finally:
        workbook.close()
    return count
