"""Reading survey files into raw tables that remember where every row came from.

Nothing here validates values: :mod:`challengelab.survey.schema` does. What this module guarantees is that every
row keeps the row number a person sees (the Excel row, header = 1; the CSV line number), so that every
problem found later can be located.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from challengelab.errors import ValidationIssue

TABLES = ("challenges", "tasks", "responses", "organizers")
METADATA_TABLE = "about"


@dataclass
class RawTable:
    """One table as read: values untouched (strings from CSV, typed cells from Excel)."""

    name: str
    frame: pd.DataFrame  # object columns, one per header, in file order
    rows: list[int]  # the row number a person sees, one per frame row
    file: str
    sheet: str | None = None
    header_issues: list[ValidationIssue] = field(default_factory=list)

    def locate(self, position: int) -> int:
        return self.rows[position]


@dataclass
class RawSurvey:
    tables: dict[str, RawTable]
    metadata: dict[str, str]
    source: str
    issues: list[ValidationIssue]  # problems of reading (missing sheet, unreadable file)


class SurveyReadError(ValueError):
    """The file or folder cannot be read as a survey at all (wrong type, missing, corrupt)."""


def read_survey(path: str | Path) -> RawSurvey:
    """Read an ``.xlsx`` workbook, a ``.zip`` of CSV files, or a folder of CSV or Parquet files."""
    path = Path(path)
    if not path.exists():
        raise SurveyReadError(f"{path}: no such file or folder")
    if path.is_dir():
        return _read_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if suffix == ".zip":
        return _read_zip(path)
    raise SurveyReadError(
        f"{path}: cannot read a {suffix or 'suffix-less'} file as a survey; give an .xlsx workbook, a .zip of CSV "
        "files, or a folder with challenges/tasks/responses/organizers as .csv or .parquet"
    )


# --- Excel ---------------------------------------------------------------------------------------------------


def _read_workbook(path: Path) -> RawSurvey:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise SurveyReadError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from exc
    try:
        tables: dict[str, RawTable] = {}
        issues: list[ValidationIssue] = []
        metadata: dict[str, str] = {}
        sheets = {name.strip().lower(): name for name in workbook.sheetnames}
        for table in TABLES:
            if table not in sheets:
                issues.append(ValidationIssue(
                    f"sheet {table!r} is missing (sheets found: {', '.join(workbook.sheetnames)})",
                    file=path.name, sheet=table))
                continue
            rows = workbook[sheets[table]].iter_rows(values_only=True)
            tables[table] = _table_from_rows(table, rows, file=path.name, sheet=sheets[table], first_row=1)
        if METADATA_TABLE in sheets:
            rows = workbook[sheets[METADATA_TABLE]].iter_rows(values_only=True)
            metadata = _metadata(_table_from_rows(METADATA_TABLE, rows, file=path.name, sheet=METADATA_TABLE,
                                                  first_row=1))
    finally:
        workbook.close()
    return RawSurvey(tables, metadata, path.name, issues)


# --- CSV / Parquet -------------------------------------------------------------------------------------------


def _read_folder(path: Path) -> RawSurvey:
    tables: dict[str, RawTable] = {}
    issues: list[ValidationIssue] = []
    for table in TABLES:
        csv_file, parquet_file = path / f"{table}.csv", path / f"{table}.parquet"
        if csv_file.exists():
            tables[table] = _read_csv_bytes(table, csv_file.read_bytes(), f"{path.name}/{csv_file.name}")
        elif parquet_file.exists():
            tables[table] = _read_parquet(table, parquet_file, f"{path.name}/{parquet_file.name}")
        else:
            issues.append(ValidationIssue(f"file {table}.csv (or {table}.parquet) is missing", file=path.name))
    metadata = {}
    about = path / f"{METADATA_TABLE}.csv"
    if about.exists():
        metadata = _metadata(_read_csv_bytes(METADATA_TABLE, about.read_bytes(), about.name))
    return RawSurvey(tables, metadata, path.name, issues)


def _read_zip(path: Path) -> RawSurvey:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SurveyReadError(f"{path.name}: not a readable zip file ({exc})") from exc
    with archive:
        members = {Path(n).name.lower(): n for n in archive.namelist() if not n.endswith("/")}
        tables: dict[str, RawTable] = {}
        issues: list[ValidationIssue] = []
        for table in TABLES:
            member = members.get(f"{table}.csv")
            if member is None:
                issues.append(ValidationIssue(f"{table}.csv is missing from the zip file", file=path.name))
                continue
            tables[table] = _read_csv_bytes(table, archive.read(member), f"{path.name}/{table}.csv")
        metadata = {}
        if f"{METADATA_TABLE}.csv" in members:
            metadata = _metadata(_read_csv_bytes(METADATA_TABLE, archive.read(members[f"{METADATA_TABLE}.csv"]),
                                                 f"{METADATA_TABLE}.csv"))
    return RawSurvey(tables, metadata, path.name, issues)


def _read_csv_bytes(table: str, data: bytes, file: str) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""))
    numbered = ((reader.line_num, row) for row in reader)
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    rows: list[int] = []
    for line, row in numbered:
        if header is None:
            if any(cell.strip() for cell in row):
                header, header_line = row, line
            continue
        if not any(cell.strip() for cell in row):
            continue
        records.append(row)
        rows.append(line)
    return _assemble(table, header or [], records, rows, file=file, sheet=None, header_row=header_line)


def _read_parquet(table: str, path: Path, file: str) -> RawTable:
    frame = pd.read_parquet(path)
    frame = frame.astype(object).where(frame.notna(), None)
    return RawTable(table, frame.reset_index(drop=True), list(range(1, len(frame) + 1)), file)


# --- shared --------------------------------------------------------------------------------------------------


def _table_from_rows(table: str, rows, *, file: str, sheet: str | None, first_row: int) -> RawTable:
    header: list | None = None
    header_row = 0
    records: list[list] = []
    numbers: list[int] = []
    for offset, values in enumerate(rows):
        number = first_row + offset
        if header is None:
            if any(_present(v) for v in values):
                header, header_row = list(values), number
            continue
        if not any(_present(v) for v in values):
            continue
        records.append(list(values))
        numbers.append(number)
    return _assemble(table, header or [], records, numbers, file=file, sheet=sheet, header_row=header_row)


def _assemble(table: str, header: list, records: list[list], rows: list[int], *, file: str, sheet: str | None,
              header_row: int) -> RawTable:
    names: list[str] = []
    keep: list[int] = []
    issues: list[ValidationIssue] = []
    for position, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
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
    return RawTable(table, frame, rows, file, sheet, issues)


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
