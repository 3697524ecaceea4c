"""Writing tables to .csv and .xlsx with bounded memory.

Rows arrive from a generator and go straight to the file: CSV in UTF-8 with a BOM (so Excel on
Chinese Windows opens it correctly), XLSX through rust_xlsxwriter's constant-memory mode. Text cells
that a spreadsheet program would run as a formula (=, +, -, @, tab, CR) are written so they are
not: in CSV behind a leading apostrophe, in XLSX as string cells. Everything text is written as
text, so ID numbers and card numbers keep every digit.
"""

import csv
import datetime
import io
import os
from decimal import Decimal

from django.utils.translation import gettext as _


FORMULA_STARTS = "=+-@\t\r"


def csv_safe(value):
    if value.__class__ is str and value and value[0] in FORMULA_STARTS:
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
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return csv_safe(value) if isinstance(value, str) else value


def write_xlsx(path, header, rows, *, sheet_name="Sheet1", on_progress=None, every=5000, text_columns=()):
    """Stream rows into an .xlsx at `path` (a path or a binary file). Numbers (int, float, Decimal)
    become number cells, everything else a string cell, never a formula. Returns the number of
    data rows.

    rust_xlsxwriter (through rustpy-xlsxwriter) in constant-memory mode: ~5x faster than
    xlsxwriter's constant-memory mode on 100,000 customers, in ~20 MB. It takes rows as dicts
    keyed by header text, so the header is made unique first (an imported sheet may repeat one)."""
    import rustpy_xlsxwriter as rx

    header = unique_header(header)
    target = str(path) if isinstance(path, (str, os.PathLike)) else path
    count = 0

    def records():
        nonlocal count
        for count, row in enumerate(rows, start=1):
            yield dict(zip(header, [_cell(v) for v in row]))
            if on_progress and count % every == 0:
                on_progress(count)
        if not count:  # the header comes from the records' keys: one record of empty cells
            yield dict.fromkeys(header)

    text = rx.Format().set_num_format("@")
    rx.write_worksheet(
        records(), target, sheet_name=sheet_name, freeze_row=1,
        header_format=rx.Format().set_bold().set_background_color("#EEF2F7"),
        column_widths=[max(10, min(30, len(title) * 2 + 2)) for title in header],
        column_formats={header[n]: text for n in text_columns if n < len(header)},
    )
    return count


def _cell(value):
    kind = value.__class__
    if kind is str or kind is int or kind is float or value is None:
        return value
    if kind is Decimal:
        return float(value)
    return str(_text(value))


def unique_header(header):
    """Header texts, each different: an empty one is named after its column (列F), a repeated one
    gets its number (姓名 (2))."""
    from xlsxwriter.utility import xl_col_to_name

    out, seen = [], set()
    for n, title in enumerate(header):
        title = str(title or "") or _("列%(c)s") % {"c": xl_col_to_name(n)}
        name, k = title, 2
        while name in seen:
            name, k = f"{title} ({k})", k + 1
        seen.add(name)
        out.append(name)
    return out
