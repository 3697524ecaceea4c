"""Reading the spreadsheets people really have: .xlsx, .xls, .ods and .csv in any common encoding.

`open_sheet(data, name)` checks the file against the limits before anything is parsed, finds the
header row (below a merged title and empty rows), and yields the data rows with the row number
Excel shows, skipping empty ones. Anything that makes the whole file unreadable raises
`SheetError` with one Chinese sentence for the user.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "csv", ".txt": "csv"}
HEADER_SCAN_ROWS = 30
XML_PROBE_BYTES = 64 * 1024
MAX_COMPRESSION_RATIO = 200


class SheetError(Exception):
    """The file cannot be read at all; str(exc) is a message for the user."""


@dataclass
class Limits:
    file_bytes: int = field(default_factory=lambda: settings.IMPORT_MAX_FILE_BYTES)
    rows: int = field(default_factory=lambda: settings.IMPORT_MAX_ROWS)
    uncompressed_bytes: int = field(default_factory=lambda: settings.IMPORT_MAX_UNCOMPRESSED_BYTES)


def file_format(name):
    fmt = FORMATS.get(PurePath(name).suffix.lower())
    if fmt is None:
        raise SheetError(_("不支持的文件类型“%(ext)s”，请上传 .xlsx、.xls、.ods 或 .csv 文件。")
                         % {"ext": PurePath(name).suffix or name})
    return fmt


class Sheet:
    """One sheet's header and data rows. Iterate `rows()` once per pass; each pass re-reads the file."""

    def __init__(self, data, fmt, limits, encoding=None):
        self.data, self.format, self.limits, self.encoding = data, fmt, limits, encoding
        self._loaded = None
        self.header, self.header_row, self._width = [], 0, 0
        self._find_header()

    # -- raw rows: (excel row number, [cell values]) -------------------------------------------
    def _raw_rows(self):
        if self.format == "csv":
            yield from self._csv_rows()
        elif self.format == "xlsx":
            yield from self._stream_rows()
        else:
            yield from self._calamine_rows()

    def _stream_rows(self):
        """.xlsx row by row, decoded straight from the compressed file: memory stays flat however
        long the sheet (a whole 100,000-row sheet in calamine took ~170 MB, a million ~1.7 GB)."""
        from python_calamine_plus import CalamineError, CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            for offset, values in enumerate(workbook.stream_sheet_by_index(0)):
                yield offset + 1, values
        except (CalamineError, OSError, ValueError) as exc:
            raise unreadable(exc) from None

    def _calamine_sheet(self):
        """.xls and .ods: the first sheet, parsed once per Sheet (calamine reads a whole sheet)."""
        if self._loaded is None:
            from python_calamine import CalamineError, CalamineWorkbook

            try:
                workbook = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
                try:
                    sheet = workbook.get_sheet_by_index(0)
                finally:
                    workbook.close()
            except (CalamineError, OSError, ValueError) as exc:
                raise unreadable(exc) from None
            if sheet.height > self.limits.rows + HEADER_SCAN_ROWS:
                raise SheetError(_("文件有 %(n)s 行，超过单次导入上限 %(max)s 行，请拆分后导入。")
                                 % {"n": f"{sheet.height:,}", "max": f"{self.limits.rows:,}"})
            self._loaded = sheet
        return self._loaded

    def _calamine_rows(self):
        sheet = self._calamine_sheet()
        start_row, start_col = sheet.start or (0, 0)
        for offset, values in enumerate(sheet.iter_rows()):
            yield start_row + offset + 1, ([""] * start_col + values) if start_col else values

    def _csv_rows(self):
        with io.TextIOWrapper(io.BytesIO(self.data), encoding=self.encoding, newline="", errors="strict") as fh:
            sample = fh.read(16 * 1024)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
            except csv.Error:
                dialect = csv.excel
            try:
                for number, values in enumerate(csv.reader(fh, dialect), start=1):
                    yield number, values
            except (csv.Error, UnicodeDecodeError) as exc:
                raise SheetError(_("CSV 文件格式有误，无法继续读取（%(e)s）。") % {"e": str(exc)[:120]}) from None

    # -- header and data -----------------------------------------------------------------------
    def _find_header(self):
        """The header is the first row, within the first rows, with at least two text cells and at
        least half as many filled cells as the widest of those rows: a merged title row has one."""
        scanned = []
        for number, values in self._raw_rows():
            filled = [v for v in values if not is_empty(v)]
            if filled:
                scanned.append((number, values, filled))
            if len(scanned) >= HEADER_SCAN_ROWS:
                break
        if not scanned:
            raise SheetError(_("文件中没有数据。"))
        widest = max(len(filled) for _n, _v, filled in scanned)
        for number, values, filled in scanned:
            texts = [v for v in filled if isinstance(v, str)]
            if len(texts) >= min(2, widest) and len(filled) * 2 >= widest:
                self.header_row = number
                self.header = [header_text(v) for v in values]
                while self.header and not self.header[-1]:
                    self.header.pop()
                self._width = len(self.header)
                return
        raise SheetError(_("没有找到表头行，请确认第一行（或标题下的第一行）是列名。"))

    def estimate(self):
        """Data rows, roughly (empty rows included), for a progress bar before they are counted."""
        if self.format == "csv":
            rows = self.data.count(b"\n")
        elif self.format == "xlsx":
            rows = declared_rows(self.data)
            if rows is None:  # no <dimension> in the sheet: count them
                rows = sum(1 for _row in self._stream_rows())
        else:
            rows = self._calamine_sheet().height
        return max(0, rows - self.header_row)

    def rows(self, start_after=None):
        """(excel row number, values padded to the header's width) for each non-empty data row
        after the header (and after `start_after` when resuming)."""
        width = self._width
        skip_until = max(self.header_row, start_after or 0)
        count = 0
        for number, values in self._raw_rows():
            if number <= skip_until:
                continue
            if not has_value(values):
                continue
            count += 1
            if count > self.limits.rows:
                raise SheetError(_("文件超过单次导入上限 %(max)s 行，请拆分后导入。") % {"max": f"{self.limits.rows:,}"})
            if len(values) < width:
                values = list(values) + [""] * (width - len(values))
            yield number, values[:width] if len(values) > width else values


def unreadable(exc):
    return SheetError(_("无法读取该文件，它可能已损坏、加了密码或不是真正的 Excel 文件（%(e)s）。")
                      % {"e": str(exc)[:120]})


_FIRST_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_RELATIONSHIP_RE = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")


def declared_rows(data):
    """The last row of the first worksheet's <dimension ref="A1:AD100002">, which Excel, WPS,
    LibreOffice and the usual libraries write; None when it is missing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            first = _FIRST_SHEET_RE.search(archive.read("xl/workbook.xml"))
            if first is None:
                return None
            wanted = b'Id="' + first.group(1) + b'"'
            for element in _RELATIONSHIP_RE.findall(archive.read("xl/_rels/workbook.xml.rels")):
                target = re.search(rb'Target="([^"]+)"', element)
                if wanted in element and target:
                    path = target.group(1).decode().lstrip("/")
                    with archive.open(path if path.startswith("xl/") else f"xl/{path}") as fh:
                        match = _DIMENSION_RE.search(fh.read(XML_PROBE_BYTES))
                    return int(match.group(1)) if match else None
    except (KeyError, zipfile.BadZipFile, OSError, UnicodeDecodeError):
        pass
    return None


def has_value(values):
    """Whether a row holds anything; usually decided by its first cell."""
    for v in values:
        if v.__class__ is str:
            if v and not v.isspace():
                return True
        elif v is not None:
            return True
    return False


def is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()
    return " ".join(str(value or "").split())


def open_sheet(data, name, limits=None):
    """Check the file's bytes (uploaded as `name`) against the limits and return its first sheet.
    The bytes stay in memory: an upload is stored encrypted and never written out in clear."""
    limits = limits or Limits()
    fmt = file_format(name)
    size = len(data)
    if size == 0:
        raise SheetError(_("文件是空的。"))
    if size > limits.file_bytes:
        raise SheetError(_("文件大小 %(size)s MB 超过上限 %(max)s MB。")
                         % {"size": f"{size / 1e6:.1f}", "max": f"{limits.file_bytes / 1e6:.0f}"})
    if fmt in ("xlsx", "ods"):
        check_zip(data, limits)
    return Sheet(data, fmt, limits, encoding=detect_encoding(data) if fmt == "csv" else None)


def check_zip(data, limits):
    """Zip bombs and XML entity tricks are refused before a parser sees them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise SheetError(_("文件已损坏或不是真正的 Excel/ODS 文件（扩展名与内容不符）。")) from None
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > limits.uncompressed_bytes:
            raise SheetError(_("文件解压后有 %(size)s MB，超过上限 %(max)s MB。")
                             % {"size": f"{total / 1e6:.0f}", "max": f"{limits.uncompressed_bytes / 1e6:.0f}"})
        for member in members:
            if member.file_size > 1_000_000 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
                raise SheetError(_("文件的压缩比异常（可能是恶意构造的压缩炸弹），已拒绝导入。"))
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as fh:
                    head = fh.read(XML_PROBE_BYTES)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise SheetError(_("文件中含有不允许的 XML 实体声明，已拒绝导入。"))


def detect_encoding(data):
    """UTF-8 (with or without BOM), then GB18030 (a superset of GBK, what Excel writes on Chinese
    Windows), each checked strictly over the whole file, and only then charset detection, which
    mistakes some GBK files for big5hkscs."""
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(data, encoding):
            return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SheetError(_("无法识别 CSV 文件的文字编码，请用 Excel 另存为“CSV UTF-8”后再导入。"))
    return best.encoding


def _decodes(data, encoding):
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
