"""The report's tables as an Excel workbook (openpyxl): a README sheet, then one sheet per table.

Each sheet has a bold, filled header row, frozen panes below it, an auto-filter over the table, number formats
by column kind (counts, percentages, p-values, estimates) and fitted column widths. Values are the library's
values (not rounded text), so the workbook can be analysed further; text that a spreadsheet would run as a
formula is prefixed with a single quote (see :func:`~challengelab.report.safety.neutralise_formula`).
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd

from challengelab.report.document import KeyValues, Report, Table
from challengelab.report.safety import neutralise_formula
from challengelab.tables.format import EXCEL_FORMATS

#: Number formats by column kind: the shared :data:`challengelab.tables.format.EXCEL_FORMATS`, and text
#: cells stored as text.
NUMBER_FORMATS = {**EXCEL_FORMATS, "text": "@"}
#: The note on a cell whose value is infinite (the cell itself stays empty, so the column stays numeric).
INFINITE_NOTE = "Infinite (e.g. separation: every team with the outcome used the strategy); left empty here."
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = "DCE6F1"


def sheet_names(names: list[str]) -> dict[str, str]:
    """Map table names to unique, valid Excel sheet names (31 characters, no ``[]:*?/\\``)."""
    out: dict[str, str] = {"README": "README"}
    used = {"readme"}
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "table"
        base = base[:31]
        candidate, i = base, 2
        while candidate.lower() in used:
            suffix = f"_{i}"
            candidate = base[:31 - len(suffix)] + suffix
            i += 1
        used.add(candidate.lower())
        out[name] = candidate
    return out


def cell_value(value: object) -> object:
    """A DataFrame value as an openpyxl cell value: missing -> empty, numpy -> Python, text neutralised."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (pd.Timestamp,)):
        return value.to_pydatetime()
    if isinstance(value, (bool, int, float)):
        return value
    return neutralise_formula(str(value))


def render_xlsx(report: Report) -> bytes:
    """The workbook as bytes (written atomically by the caller)."""
    from openpyxl import Workbook

    report.check()
    tables = report.tables()
    facts = [b for s in report.sections for b in s.blocks if isinstance(b, KeyValues) and b.name]
    names = sheet_names([t.name for t in tables] + [k.name for k in facts])
    workbook = Workbook()
    _readme_sheet(workbook.active, report, tables, facts, names)
    for table in tables:
        _table_sheet(workbook.create_sheet(names[table.name]), table, *_header_style())
    for kv in facts:
        _facts_sheet(workbook.create_sheet(names[kv.name]), kv)
    workbook.properties.creator = "challengelab"
    workbook.properties.title = report.title[:250]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_style():
    from openpyxl.styles import Font, PatternFill

    return Font(bold=True, color="1D2430"), PatternFill("solid", fgColor=HEADER_FILL)


def _style_header(row) -> None:
    font, fill = _header_style()
    for cell in row:
        cell.font = font
        cell.fill = fill


def _readme_sheet(readme, report: Report, tables: list[Table], facts: list[KeyValues], names: dict) -> None:
    """The first sheet: title, the synthetic warning, the report's facts, a list of sheets and how to read them."""
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    readme.title = "README"
    readme.append([neutralise_formula(report.title)])
    readme["A1"].font = Font(bold=True, size=14)
    if report.synthetic:
        readme.append([neutralise_formula(report.synthetic_text)])
        readme.cell(readme.max_row, 1).font = Font(bold=True, color="8C1D18")
    readme.append([])
    for key, value in report.readme:
        readme.append([neutralise_formula(key), neutralise_formula(value)])
        readme.cell(readme.max_row, 1).font = bold
        readme.cell(readme.max_row, 2).alignment = wrap
    readme.append([])
    readme.append(["sheet", "contents"])
    _style_header(readme[readme.max_row])
    for table in tables:
        text = table.title + (f" — {table.caption}" if table.caption else "")
        readme.append([names[table.name], neutralise_formula(text)])
        readme.cell(readme.max_row, 2).alignment = wrap
    for kv in facts:
        readme.append([names[kv.name], neutralise_formula(kv.title or kv.name)])
    readme.append([])
    readme.append(["notes", "Numbers are unrounded; cell formats only change how they are shown. Empty cells "
                            "are missing or suppressed values (see the 'suppressed' and 'note' columns), or "
                            "infinite values, which carry a cell note saying so. Text that starts with = + - @ is "
                            "prefixed with ' so that it is never run as a formula."])
    readme.cell(readme.max_row, 1).font = bold
    readme.cell(readme.max_row, 2).alignment = wrap
    readme.column_dimensions["A"].width = 30
    readme.column_dimensions["B"].width = 110


def _facts_sheet(sheet, kv: KeyValues) -> None:
    from openpyxl.styles import Alignment

    sheet.append(["item", "value"])
    _style_header(sheet[1])
    for key, value in kv.rows:
        sheet.append([neutralise_formula(key), neutralise_formula(value)])
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 110


def _table_sheet(sheet, table: Table, header_font, fill) -> None:
    """One table: header row, values with number formats by kind, infinite values as empty cells with a note."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    frame = table.frame
    columns = list(frame.columns)
    sheet.append([neutralise_formula(str(c)) for c in columns])
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = fill
        cell.alignment = Alignment(vertical="top", wrap_text=False)
    formats = [NUMBER_FORMATS.get(table.kind(c), "General") if table.kind(c) != "text" else None for c in columns]
    infinite: list[tuple[int, int, float]] = []
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        values = []
        for j, value in enumerate(row, start=1):
            if isinstance(value, float) and math.isinf(value):
                infinite.append((i, j, value))
                values.append(None)
            else:
                values.append(cell_value(value))
        sheet.append(values)
        for j, fmt in enumerate(formats, start=1):
            if fmt is not None and isinstance(values[j - 1], (int, float)) and not isinstance(values[j - 1], bool):
                sheet.cell(i, j).number_format = fmt
    for i, j, value in infinite:
        text = INFINITE_NOTE if value > 0 else INFINITE_NOTE.replace("Infinite", "Minus infinite")
        sheet.cell(i, j).comment = Comment(text, "challengelab")
    for j, column in enumerate(columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(500).tolist() if v is not None])
        sheet.column_dimensions[get_column_letter(j)].width = min(max(10, longest + 2), 60)
    sheet.freeze_panes = "A2" if len(columns) < 2 else "B2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"


def read_table(path, sheet: str) -> pd.DataFrame:
    """Read one table sheet back into a DataFrame (for checks and tests)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    return pd.DataFrame(rows[1:], columns=rows[0]) if rows else pd.DataFrame()
