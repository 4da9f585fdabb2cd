"""Writing survey files: workbooks (the empty template, filled rounds such as the bundled example) and CSV folders.

Workbooks get the same layout: the four data sheets with bold, frozen headers and filters, Excel drop-down lists for
yes/no and level items, an ``about`` sheet of metadata and a ``columns`` sheet explaining every column. Files
are written to a temporary name and moved into place, and their bytes depend only on the content (fixed zip
timestamps), so the same data gives the same file.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from challengelab.outputs import SPREADSHEET_ILLEGAL
from challengelab.survey.codebook import Codebook, load_codebook
from challengelab.survey.read import METADATA_TABLE, TABLES
from challengelab.survey.schema import Column, table_columns

_FIXED_TIME = datetime(2021, 1, 1)
_MAX_VALIDATED_ROWS = 5000


def write_survey_workbook(path: str | Path, tables: Mapping[str, pd.DataFrame] | None = None, *,
                          codebook: str | Path | Codebook = "2021",
                          metadata: Mapping[str, str] | None = None) -> Path:
    """Write a survey workbook; with ``tables=None`` an empty template.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (replaced atomically).
    tables : mapping of table name to DataFrame, optional
        Raw values of ``challenges``, ``tasks``, ``responses``, ``organizers`` (columns beyond the codebook's are
        written after them). Missing tables are written empty.
    codebook : str, Path or Codebook, default "2021"
    metadata : mapping, optional
        Key/value pairs for the ``about`` sheet.
    """
    from openpyxl import Workbook

    codebook = load_codebook(codebook)
    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in TABLES:
        columns = table_columns(table, codebook)
        sheet = workbook.create_sheet(table)
        _data_sheet(sheet, table, columns, (tables or {}).get(table))
        _drop_downs(sheet, columns)
    about = workbook.create_sheet(METADATA_TABLE)
    about.append(["key", "value"])
    for key, value in (metadata or {"synthetic": "false", "codebook": codebook.name}).items():
        about.append([key, value])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 18, 100
    explained = workbook.create_sheet("columns")
    _column_guide(explained, codebook)
    for sheet in (about, explained):
        _style_header(sheet[1])
        sheet.freeze_panes = "A2"
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    workbook.properties.creator = "challengelab"

    buffer = io.BytesIO()
    workbook.save(buffer)
    _atomic_write(path, _with_fixed_zip_times(buffer.getvalue()))
    return path


def _style_header(row) -> None:
    from openpyxl.styles import Font, PatternFill

    for cell in row:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")


def _data_sheet(sheet, table: str, columns: list[Column], frame: pd.DataFrame | None) -> None:
    """Header (the codebook's columns, then any others of ``frame``), rows as text-safe cells, filters."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    names = [c.name for c in columns]
    extra = [c for c in frame.columns if c not in names] if frame is not None else []
    sheet.append(names + extra)
    if frame is not None:
        for number, row in enumerate(frame[[n for n in names if n in frame.columns] + extra].reindex(
                columns=names + extra).itertuples(index=False), start=2):
            _check_storable(row, names + extra, table, number)
            sheet.append([_cell(v) for v in row])
            for cell in sheet[sheet.max_row]:  # text such as "=HYPERLINK(...)" stays text, never a formula
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    _style_header(sheet[1])
    for position, name in enumerate(names + extra, start=1):
        sheet.cell(row=1, column=position).alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(position)].width = max(12, min(len(name) + 4, 40))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(names + extra), 1))}{max(sheet.max_row, 1)}"


def _drop_downs(sheet, columns: list[Column]) -> None:
    """A drop-down list of the allowed answers on every column that has levels."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last_row = max(sheet.max_row + 200, _MAX_VALIDATED_ROWS)
    for position, column in enumerate(columns, start=1):
        choices = _choices(column)
        if not choices:
            continue
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                                    showErrorMessage=column.kind != "multi_select",
                                    errorTitle="Not an allowed answer",
                                    error=f"Allowed: {', '.join(choices)}")
        letter = get_column_letter(position)
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)


def _column_guide(sheet, codebook: Codebook) -> None:
    """The ``columns`` sheet: every column of every table, whether it is required, its type and meaning."""
    sheet.append(["sheet", "column", "required", "type", "allowed values", "meaning"])
    for table in TABLES:
        for column in table_columns(table, codebook):
            sheet.append([table, column.name, "yes" if column.required else "no", _kind_text(column),
                          _allowed_text(column), column.label])
    for letter, width in zip("ABCDEF", (12, 26, 9, 14, 60, 70)):
        sheet.column_dimensions[letter].width = width


def write_survey_folder(path: str | Path, tables: Mapping[str, pd.DataFrame], *,
                        metadata: Mapping[str, str] | None = None) -> Path:
    """Write the four tables (and ``about.csv``) as CSV files into a folder, all or nothing.

    The folder gets a ``manifest.json`` (see :mod:`challengelab.outputs`): an existing folder is replaced only
    if it is an earlier output of challengelab, unchanged; anything else raises ``OutputExistsError``.
    """
    from challengelab.outputs import staged_folder

    path = Path(path)
    with staged_folder(path, force=True, generator="challengelab survey folder") as stage:
        for table in TABLES:
            tables[table].to_csv(stage.path / f"{table}.csv", index=False)
        if metadata:
            pd.DataFrame({"key": list(metadata), "value": list(metadata.values())}).to_csv(
                stage.path / f"{METADATA_TABLE}.csv", index=False)
    return path


def _choices(column: Column) -> list[str]:
    if column.kind == "binary":
        return ["yes", "no"]
    if column.kind in ("categorical", "ordinal", "multi_select"):
        joined = ",".join(column.levels or ())
        return list(column.levels or ()) if len(joined) < 250 else []  # Excel caps inline lists at 255 chars
    return []


def _kind_text(column: Column) -> str:
    return {"id": "identifier", "text": "text", "int": "whole number", "float": "number", "binary": "yes/no",
            "categorical": "one of", "ordinal": "one of (ordered)", "multi_select": "any of, ';'-separated"}[
        column.kind]


def _allowed_text(column: Column) -> str:
    if column.levels:
        return ", ".join(column.levels)
    if column.kind == "binary":
        return "yes, no (also true/false, 1/0); empty = not answered"
    if column.kind in ("int", "float"):
        low = "" if column.minimum is None else f">= {column.minimum:g}"
        high = "" if column.maximum is None else f"<= {column.maximum:g}"
        return " and ".join(x for x in (low, high) if x) or "any number"
    return "non-empty text" if column.required else "text"


def _check_storable(row, names: list[str], table: str, number: int) -> None:
    """Refuse (with the cell's location) text Excel cannot store, instead of openpyxl's bare error."""
    for name, value in zip(names, row):
        if isinstance(value, str) and SPREADSHEET_ILLEGAL.search(value):
            found = SPREADSHEET_ILLEGAL.search(value).group()
            raise ValueError(f"{table} row {number}, column {name}: the text holds the control character "
                             f"U+{ord(found):04X}, which an Excel workbook cannot store; remove it (or write a CSV "
                             "folder)")


def _cell(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _with_fixed_zip_times(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2021, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2021-01-01T00:00:00Z\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
