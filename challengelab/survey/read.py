"""Reading survey files into raw tables that remember where every row came from.

Nothing here validates values: :mod:`challengelab.survey.schema` does. What this module guarantees is that every
row keeps the row number a person sees (the Excel row, header = 1; the CSV line where the record starts), so
that every problem found later can be located, and that the work done on any input is bounded by
:class:`Limits`, checked before the work: file size, unpacked size and compression ratio of zip files and
workbooks, rows and columns per table, characters per cell. A file beyond a limit is refused with a message
naming the file, the limit and how to raise it.

Cells a spreadsheet could not give a value for (Excel error values such as ``#REF!``, formulas saved without
their value, the hidden cells of a merged range, lists in Parquet) are passed on as :class:`CellProblem`, so
that validation names them for what they are.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from challengelab.errors import ValidationIssue
from challengelab.limits import DEFAULT_LIMITS, Limits

TABLES = ("challenges", "tasks", "responses", "organizers")
METADATA_TABLE = "about"

#: Texts Excel shows for a cell whose formula failed; they are never data.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


_MB = 1_000_000
_RATIO_FLOOR = _MB  # members smaller than this are never compression bombs worth refusing
_MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class CellProblem:
    """A cell that holds no usable value, and why (an Excel error value, a formula without a saved value...)."""

    reason: str
    shown: object = None

    def __str__(self) -> str:
        return "" if self.shown is None else str(self.shown)


@dataclass
class RawTable:
    """One table as read: values untouched (strings from CSV, typed cells from Excel)."""

    name: str
    frame: pd.DataFrame  # object columns, one per header, in file order
    rows: list[int]  # the row number a person sees, one per frame row
    file: str
    sheet: str | None = None
    header_issues: list[ValidationIssue] = field(default_factory=list)
    header_row: int | None = None

    def locate(self, position: int) -> int:
        return self.rows[position]


@dataclass
class RawSurvey:
    tables: dict[str, RawTable]
    metadata: dict[str, str]
    source: str
    issues: list[ValidationIssue]  # problems of reading (missing sheet, unreadable file, encoding warnings)


class SurveyReadError(ValueError):
    """The file or folder cannot be read as a survey at all (wrong type, missing, corrupt, beyond a limit).

    ``.issue`` is the located problem; the message is ``str(issue)``.
    """

    def __init__(self, reason: str, *, file: str | None = None, sheet: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.issue = ValidationIssue(reason, file=file, sheet=sheet, row=row, column=column)
        super().__init__(str(self.issue))


def read_survey(path: str | Path, *, limits: Limits | None = None) -> RawSurvey:
    """Read an ``.xlsx`` workbook, a ``.zip`` of CSV files, or a folder of CSV or Parquet files."""
    path = Path(path)
    limits = limits or DEFAULT_LIMITS
    if not path.exists():
        raise SurveyReadError("no such file or folder", file=path.name)
    if path.is_dir():
        return _read_folder(path, limits)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path, limits)
    if suffix == ".zip":
        return _read_zip(path, limits)
    raise SurveyReadError(
        f"cannot read a {suffix or 'suffix-less'} file as a survey; give an .xlsx workbook, a .zip of CSV "
        "files, or a folder with challenges/tasks/responses/organizers as .csv or .parquet", file=path.name)


# --- limits on files and archives -----------------------------------------------------------------------------


def _check_file_size(path: Path, limits: Limits, shown: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SurveyReadError(f"cannot be read ({exc.strerror or exc})", file=shown) from None
    if size > limits.file_mb * _MB:
        raise SurveyReadError(limits.refusal("file_mb", f"its size ({size / _MB:.1f} MB)"), file=shown)


def _open_zip(path: Path, shown: str, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise SurveyReadError(f"not a readable {what} ({exc})", file=shown) from None


def _check_archive(archive: zipfile.ZipFile, shown: str, limits: Limits) -> None:
    """Refuse an archive whose members would unpack beyond the limits, before unpacking anything."""
    members = archive.infolist()
    if len(members) > _MAX_MEMBERS:
        raise SurveyReadError(f"the archive holds {len(members):,} members; a survey file has a few dozen at most",
                              file=shown)
    total = 0
    for info in members:
        member = f"{shown}/{info.filename}"
        if info.flag_bits & 0x1:
            raise SurveyReadError("the member is encrypted (password-protected); save it without a password",
                                  file=member)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SurveyReadError(f"the member uses an unsupported compression method ({info.compress_type}); "
                                  "re-create the zip file with ordinary (deflate) compression", file=member)
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise SurveyReadError(limits.refusal("ratio", f"its compression ratio ({ratio:,.0f} : 1, "
                                                          f"{info.file_size / _MB:,.0f} MB unpacked)"), file=member)
        if total > limits.unpacked_mb * _MB:
            raise SurveyReadError(limits.refusal("unpacked_mb", f"the unpacked size (at least {total / _MB:,.0f} "
                                                                "MB)"), file=shown)


def _read_member(archive: zipfile.ZipFile, name: str, shown: str) -> bytes:
    info = archive.getinfo(name)
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise SurveyReadError(f"the member is corrupted and cannot be unpacked ({exc})", file=shown) from None
    if len(data) > info.file_size:
        raise SurveyReadError("the member unpacks to more than its stated size (a corrupted or hostile zip "
                              "file)", file=shown)
    return data


# --- Excel ---------------------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA_OR_MERGE = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s>/]")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _read_workbook(path: Path, limits: Limits) -> RawSurvey:
    _check_file_size(path, limits, path.name)
    with path.open("rb") as stream:
        if stream.read(8) == _OLE_MAGIC:
            raise SurveyReadError("the workbook is password-protected (encrypted) or in the old .xls format; "
                                  "save it unprotected as an .xlsx workbook", file=path.name)
    with _open_zip(path, path.name, "Excel workbook") as archive:
        _check_archive(archive, path.name, limits)
        marks = _workbook_marks(archive, path.name, limits)
    workbook = _load_workbook(path)
    try:
        return _workbook_tables(workbook, path.name, marks, limits)
    finally:
        workbook.close()


def _load_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise SurveyReadError(f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                              file=path.name) from None


def _workbook_tables(workbook, shown: str, marks: dict[str, _SheetMarks], limits: Limits) -> RawSurvey:
    tables: dict[str, RawTable] = {}
    issues: list[ValidationIssue] = []
    metadata: dict[str, str] = {}
    sheets = {name.strip().lower(): name for name in workbook.sheetnames}
    for table in (*TABLES, METADATA_TABLE):
        if table not in sheets:
            if table != METADATA_TABLE:
                issues.append(ValidationIssue(
                    f"sheet {table!r} is missing (sheets found: {', '.join(workbook.sheetnames)})",
                    file=shown, sheet=table))
            continue
        sheet = sheets[table]
        try:
            raw = _read_sheet(workbook[sheet], table, shown, sheet, marks.get(sheet), limits)
        except SurveyReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - a corrupted sheet raises parser errors of many kinds
            raise SurveyReadError(f"the sheet cannot be read; the workbook is corrupted "
                                  f"({type(exc).__name__}: {exc})", file=shown, sheet=sheet) from None
        if table == METADATA_TABLE:
            metadata = _metadata(raw)
        else:
            tables[table] = raw
    return RawSurvey(tables, metadata, shown, issues)


def _read_sheet(worksheet, table: str, shown: str, sheet: str, marks: _SheetMarks | None,
                limits: Limits) -> RawTable:
    """Read one sheet without trusting its stated size: the header decides the width, data decides the end."""
    worksheet.reset_dimensions()  # a stray cell in XFD1048576 must not make every row 16,384 cells wide
    header: list | None = None
    header_row = 0
    for number, values in enumerate(worksheet.iter_rows(max_col=limits.columns + 1, values_only=True), start=1):
        if values.count(None) != len(values) and any(_present(v) for v in values):
            header, header_row = list(values), number
            break
        if number > limits.rows:
            break
    if header is None:
        return _assemble(table, [], [], [], file=shown, sheet=sheet, header_row=0)
    while header and not _present(header[-1]):
        header.pop()
    if len(header) > limits.columns:
        raise SurveyReadError(limits.refusal("columns", "the number of header columns"), file=shown, sheet=sheet,
                              row=header_row)
    rows = worksheet.iter_rows(min_row=header_row + 1, max_col=len(header), values_only=True)
    records, numbers = _data_rows(rows, header_row + 1, marks, limits, shown=shown, sheet=sheet)
    return _assemble(table, header, records, numbers, file=shown, sheet=sheet, header_row=header_row)


def _data_rows(rows: Iterable[tuple], first: int, marks: _SheetMarks | None, limits: Limits, *, shown: str,
               sheet: str) -> tuple[list[list], list[int]]:
    records: list[list] = []
    numbers: list[int] = []
    for number, values in enumerate(rows, start=first):
        blank = values.count(None) == len(values)
        if marks is not None:
            values, blank = marks.apply(number, values, blank)
        if blank or not any(_present(v) for v in values):
            continue
        if len(records) >= limits.rows:
            raise SurveyReadError(limits.refusal("rows", "the number of data rows"), file=shown, sheet=sheet,
                                  row=number)
        records.append([_excel_value(v, limits) for v in values])
        numbers.append(number)
    return records, numbers


def _excel_value(value, limits: Limits):
    if type(value) is str:
        if value in EXCEL_ERRORS:
            return CellProblem(f"Excel error value {value} (a formula failed); enter the value itself", value)
        if len(value) > limits.field_chars:
            return CellProblem(limits.refusal("field_chars", f"the text ({len(value):,} characters)"),
                               value[:40] + "...")
    elif value is not None and not isinstance(value, (bool, int, float, CellProblem)):
        if hasattr(value, "isoformat"):  # dates and times: shown as Excel shows them
            return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return str(value)
    return value


@dataclass
class _SheetMarks:
    """Cells of one sheet that look empty to a reader but are not: formulas without a saved value and the
    hidden cells of merged ranges."""

    formulas: dict[int, dict[int, str]] = field(default_factory=dict)  # row -> column (1-based) -> formula
    merged: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # row -> (first col, last, ref)

    def apply(self, number: int, values: tuple, blank: bool) -> tuple[tuple, bool]:
        formulas, merged = self.formulas.get(number), self.merged.get(number)
        if not formulas and not merged:
            return values, blank
        out = list(values)
        for column, formula in (formulas or {}).items():
            if column <= len(out) and out[column - 1] is None:
                out[column - 1] = CellProblem("formula without a saved value (the file was written by a program "
                                              "that does not calculate); open and save it in Excel, or paste "
                                              "values", formula)
                blank = False
        if merged and not blank:
            for first, last, ref in merged:
                for column in range(first, min(last, len(out)) + 1):
                    if out[column - 1] is None:
                        out[column - 1] = CellProblem(f"part of the merged cells {ref}, which hold one value in "
                                                      "their first cell only; unmerge them and fill every cell")
        return tuple(out), blank


def _workbook_marks(archive: zipfile.ZipFile, shown: str, limits: Limits) -> dict[str, _SheetMarks]:
    """Scan every XML member once: refuse DTDs and entities; find formulas and merged cells per sheet."""
    interesting: set[str] = set()
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        dtd, formulas = _scan_xml(archive, info, shown)
        if dtd:
            raise SurveyReadError("the workbook contains an XML DTD or entity declaration, which Excel never "
                                  "writes (a possible XML bomb); save it again from Excel",
                                  file=f"{shown}/{info.filename}")
        if formulas:
            interesting.add(info.filename)
    if not interesting:
        return {}
    marks: dict[str, _SheetMarks] = {}
    for sheet, member in _sheet_members(archive).items():
        if member in interesting:
            marks[sheet] = _sheet_marks(archive, member, shown, sheet, limits)
    return marks


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> tuple[bool, bool]:
    dtd = formulas = False
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                window = tail + chunk
                dtd = dtd or _DTD.search(window) is not None
                formulas = formulas or _FORMULA_OR_MERGE.search(window) is not None
                if dtd:
                    break
                tail = window[-32:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise SurveyReadError(f"the member is corrupted and cannot be unpacked ({exc})",
                              file=f"{shown}/{info.filename}") from None
    return dtd, formulas


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> path of its XML member (from the workbook part and its relationships)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, zlib.error, OSError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations}
    members = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        members[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return members


def _sheet_marks(archive: zipfile.ZipFile, member: str, shown: str, sheet: str, limits: Limits) -> _SheetMarks:
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

    marks = _SheetMarks()
    budget = limits.rows * 10  # merged rows indexed at most; a whole-column merge must not cost millions
    try:
        with archive.open(member) as stream:
            for _, element in ElementTree.iterparse(stream):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    formula = element.find(f"{_MAIN}f")
                    value = element.findtext(f"{_MAIN}v")
                    if formula is not None and not value and element.get("r"):
                        row, column = coordinate_to_tuple(element.get("r"))
                        marks.formulas.setdefault(row, {})[column] = "=" + (formula.text or "")
                    element.clear()
                elif tag == "row":
                    element.clear()
                elif tag == "mergeCell" and element.get("ref"):
                    first_col, first_row, last_col, last_row = range_boundaries(element.get("ref"))
                    for row in range(first_row, min(last_row, first_row + budget) + 1):
                        start = first_col + 1 if row == first_row else first_col
                        if start <= last_col:
                            marks.merged.setdefault(row, []).append((start, last_col, element.get("ref")))
                    budget -= min(last_row - first_row + 1, budget)
    except KeyError:  # the workbook names a sheet part it does not hold: openpyxl will say so
        return marks
    except (ElementTree.ParseError, ValueError, TypeError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            RuntimeError) as exc:
        raise SurveyReadError(f"the sheet's XML is corrupted ({exc})", file=shown, sheet=sheet) from None
    return marks


# --- CSV / Parquet -------------------------------------------------------------------------------------------


def _read_folder(path: Path, limits: Limits) -> RawSurvey:
    tables: dict[str, RawTable] = {}
    issues: list[ValidationIssue] = []
    for table in (*TABLES, METADATA_TABLE):
        csv_file, parquet_file = path / f"{table}.csv", path / f"{table}.parquet"
        if csv_file.is_file():
            shown = f"{path.name}/{csv_file.name}"
            _check_file_size(csv_file, limits, shown)
            tables[table] = _read_csv_bytes(table, csv_file.read_bytes(), shown, limits, issues)
        elif parquet_file.is_file():
            shown = f"{path.name}/{parquet_file.name}"
            _check_file_size(parquet_file, limits, shown)
            tables[table] = _read_parquet(table, parquet_file, shown, limits)
        elif table != METADATA_TABLE:
            issues.append(ValidationIssue(f"file {table}.csv (or {table}.parquet) is missing", file=path.name))
    metadata = _metadata(tables.pop(METADATA_TABLE)) if METADATA_TABLE in tables else {}
    return RawSurvey(tables, metadata, path.name, issues)


def _read_zip(path: Path, limits: Limits) -> RawSurvey:
    _check_file_size(path, limits, path.name)
    with _open_zip(path, path.name, "zip file") as archive:
        _check_archive(archive, path.name, limits)
        members = {Path(n).name.lower(): n for n in archive.namelist() if not n.endswith("/")}
        tables: dict[str, RawTable] = {}
        issues: list[ValidationIssue] = []
        for table in (*TABLES, METADATA_TABLE):
            member = members.get(f"{table}.csv")
            if member is None:
                if table != METADATA_TABLE:
                    issues.append(ValidationIssue(f"{table}.csv is missing from the zip file", file=path.name))
                continue
            shown = f"{path.name}/{table}.csv"
            tables[table] = _read_csv_bytes(table, _read_member(archive, member, shown), shown, limits, issues)
    metadata = _metadata(tables.pop(METADATA_TABLE)) if METADATA_TABLE in tables else {}
    return RawSurvey(tables, metadata, path.name, issues)


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Bytes of a text file as text, and a warning when it was not UTF-8 (UTF-16, Windows-1252 or Latin-1).

    >>> decode_text("Zürich".encode("cp1252"))[1]
    'the file is not UTF-8; it was read as Windows-1252 (check accented letters, and save it as UTF-8 CSV)'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "the file is UTF-16; it was read as such (save it as UTF-8 CSV)"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    for codec, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return data.decode(codec), (f"the file is not UTF-8; it was read as {name} (check accented letters, "
                                        "and save it as UTF-8 CSV)")
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _read_csv_bytes(table: str, data: bytes, file: str, limits: Limits, issues: list[ValidationIssue]
                    ) -> RawTable:
    text, warning = decode_text(data)
    if warning:
        issues.append(ValidationIssue(warning, file=file, severity="warning"))
    text = text.rstrip()  # trailing blank lines are no rows
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.field_chars)
    try:
        header, header_line, records, rows, extra = _csv_records(csv.reader(io.StringIO(text, newline="")), file,
                                                                 limits)
    except csv.Error as exc:
        raise SurveyReadError(_csv_reason(exc, limits), file=file, row=_csv_line(exc)) from None
    finally:
        csv.field_size_limit(previous)
    for line, value in extra[:20]:
        issues.append(ValidationIssue("this row has more values than the header has columns; the extra values "
                                      "were ignored (a missing quote or separator?)", file=file, row=line,
                                      value=value, severity="warning"))
    return _assemble(table, header or [], records, rows, file=file, sheet=None, header_row=header_line)


def _csv_records(reader, file: str, limits: Limits
                 ) -> tuple[list[str] | None, int, list[list[str]], list[int], list[tuple[int, str]]]:
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    rows: list[int] = []
    extra: list[tuple[int, str]] = []
    start = 1  # a record spanning lines is located at its first line
    seen = 0
    for row in reader:
        line, start = start, reader.line_num + 1
        if header is None:
            if any(cell.strip() for cell in row):
                if len(row) > limits.columns:
                    raise SurveyReadError(limits.refusal("columns", "the number of header columns"), file=file,
                                          row=line)
                header, header_line = row, line
            elif line > limits.rows:
                raise SurveyReadError(limits.refusal("rows", "the number of blank lines before the header"),
                                      file=file, row=line)
            continue
        seen += 1
        if seen > limits.rows:
            raise SurveyReadError(limits.refusal("rows", "the number of rows (blank lines included)"), file=file,
                                  row=line)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            ignored = [v for v in row[len(header):] if v.strip()]
            if ignored:
                extra.append((line, ignored[0]))
        records.append(row[:len(header)])
        rows.append(line)
    return header, header_line, records, rows, extra


def _csv_reason(exc: csv.Error, limits: Limits) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return limits.refusal("field_chars", "a field's length")
    return f"not readable as CSV ({message})"


def _csv_line(exc: csv.Error) -> int | None:
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _read_parquet(table: str, path: Path, file: str, limits: Limits) -> RawTable:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        if meta.num_columns > limits.columns:
            raise SurveyReadError(limits.refusal("columns", "the number of columns"), file=file)
        if meta.num_rows > limits.rows:
            raise SurveyReadError(limits.refusal("rows", "the number of rows"), file=file)
        frame = pd.read_parquet(path)
    except SurveyReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for damaged files
        raise SurveyReadError(f"not a readable Parquet file ({type(exc).__name__}: {exc})", file=file) from None
    columns = [str(c) for c in frame.columns]
    records = [[_parquet_value(v, limits) for v in row] for row in frame.itertuples(index=False, name=None)]
    return _assemble(table, columns, records, list(range(2, len(frame) + 2)), file=file, sheet=None,
                     header_row=1)


def _parquet_value(value, limits: Limits):
    if value is None or isinstance(value, (bool, int, float, str)):
        return _excel_value(value, limits) if isinstance(value, str) else value
    if hasattr(value, "__len__") and not hasattr(value, "isoformat"):
        return CellProblem("a list or structure where a single value is expected", str(value)[:80])
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return _excel_value(value, limits)


# --- shared --------------------------------------------------------------------------------------------------


def _assemble(table: str, header: list, records: list[list], rows: list[int], *, file: str, sheet: str | None,
              header_row: int) -> RawTable:
    names: list[str] = []
    keep: list[int] = []
    issues: list[ValidationIssue] = []
    for position, cell in enumerate(header):
        name = "" if cell is None or isinstance(cell, CellProblem) else str(cell).strip()
        if not name:
            if any(position < len(r) and _present(r[position]) for r in records):
                issues.append(ValidationIssue(f"column {position + 1} has values but no header", file=file,
                                              sheet=sheet, row=header_row, column=_column_letter(position)))
            continue
        if name in names:
            issues.append(ValidationIssue(f"column header {name!r} appears twice", file=file, sheet=sheet,
                                          row=header_row, column=name))
            continue
        names.append(name)
        keep.append(position)
    width = max(keep, default=-1) + 1
    padded = [(list(r) + [None] * width)[:width] for r in records]
    frame = pd.DataFrame([[r[p] for p in keep] for r in padded], columns=names, dtype=object)
    return RawTable(table, frame, rows, file, sheet, issues, header_row or None)


def _metadata(table: RawTable) -> dict[str, str]:
    frame = table.frame
    if frame.shape[1] < 2:
        return {}
    keys, values = frame.iloc[:, 0], frame.iloc[:, 1]
    return {str(k).strip(): "" if v is None else str(v).strip() for k, v in zip(keys, values) if _present(k)}


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, CellProblem):
        return True
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
