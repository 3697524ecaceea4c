"""Spreadsheets for tests, built in memory in every format the importer reads.

    data = sheet_bytes("xlsx", [["姓名", "手机号"], ["张三", "13912345678"]])

Rows are lists of cells; None leaves a cell empty. In .xlsx and .xls a str is a text cell, an int
or float a number cell, a date a date cell; `merged_title` puts a merged title row above.
"""

import csv
import datetime
import io
import zipfile
from xml.sax.saxutils import escape


def sheet_bytes(fmt, rows, *, encoding="utf-8", merged_title=None, blank_rows_before=0):
    lead = []
    if merged_title:
        lead.append([merged_title])
    lead.extend([[]] * blank_rows_before)
    rows = lead + [list(r) for r in rows]
    return {"xlsx": _xlsx, "xls": _xls, "ods": _ods, "csv": lambda r, m: _csv(r, encoding)}[fmt](rows, merged_title)


def _cells(rows, merged_title, merge):
    """Call merge(last column) for a merged title row; yield (row, column, value) for the others."""
    width = max((len(r) for r in rows), default=1)
    for r, row in enumerate(rows):
        if merged_title and r == 0:
            merge(max(width - 1, 1))
            continue
        for c, value in enumerate(row):
            if value is not None:
                yield r, c, value


def _xlsx(rows, merged_title):
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, c, value in _cells(rows, merged_title, lambda last: sheet.merge_range(0, 0, 0, last, merged_title)):
        if isinstance(value, (datetime.date, datetime.datetime)):
            sheet.write_datetime(r, c, value, date_format)
        elif isinstance(value, str):
            sheet.write_string(r, c, value)
        else:
            sheet.write(r, c, value)
    workbook.close()
    return out.getvalue()


def _xls(rows, merged_title):
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, c, value in _cells(rows, merged_title, lambda last: sheet.write_merge(0, 0, 0, last, merged_title)):
        if isinstance(value, (datetime.date, datetime.datetime)):
            sheet.write(r, c, value, date_style)
        else:
            sheet.write(r, c, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _ods(rows, merged_title):
    """A minimal OpenDocument spreadsheet (mimetype, manifest, content) written by hand."""
    body = []
    for r, row in enumerate(rows):
        cells = []
        for value in row:
            if value is None:
                cells.append("<table:table-cell/>")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                             f"<text:p>{value}</text:p></table:table-cell>")
            elif isinstance(value, datetime.date):
                cells.append(f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                             f"<text:p>{value.isoformat()}</text:p></table:table-cell>")
            else:
                span = ' table:number-columns-spanned="3"' if merged_title and r == 0 else ""
                cells.append(f'<table:table-cell office:value-type="string"{span}><text:p>{escape(str(value))}'
                             f"</text:p></table:table-cell>")
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{"".join(body)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _csv(rows, encoding):
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)
