"""Readers of survey-tool raw exports: one row per respondent, the tool's headers and answer codes.

Every reader returns an :class:`Export`: the answers as text (``None`` when empty), the row number a person
sees in the file for every respondent, and for every column what its header says (question code,
subquestion or choice, question text, value labels). Supported, following each tool's public documentation:

* REDCap records CSV, "raw" (codes, ``field___code`` checkbox columns with 1/0) or "labels" (field labels
  as headers, ``Label (choice=Choice)`` checkbox columns with Checked/Unchecked);
* LimeSurvey response CSV with question codes (``Q5[SQ001]``) or full question texts
  (``Question text [Subquestion]``) as headings, metadata headings such as ``id``/``Response ID`` and
  ``submitdate``/``Date submitted``, answer codes or full answers, ``N/A`` for questions not answered;
* Qualtrics CSV: three header rows (column names, question texts, ``{"ImportId": ...}``);
* SPSS ``.sav`` (any tool; variable labels and value labels read with pyreadstat);
* a generic wide CSV or ``.xlsx`` (one header row).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from challengelab.errors import ValidationIssue

EXPORT_FORMATS = ("redcap", "limesurvey", "qualtrics", "spss", "generic")

#: Headers of tool metadata (not answers), folded to lower case.
METADATA = {
    "redcap": {"redcap_survey_identifier", "redcap_event_name", "redcap_repeat_instrument",
               "redcap_repeat_instance", "redcap_data_access_group", "survey identifier", "survey timestamp",
               "event name", "repeat instrument", "repeat instance", "data access group"},
    "limesurvey": {"submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
                   "refurl", "token", "interviewtime", "date submitted", "last page", "start language",
                   "date started", "date last action", "ip address", "referrer url", "total time"},
    "qualtrics": {"startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
                  "recordeddate", "recipientlastname", "recipientfirstname", "recipientemail",
                  "externalreference", "externaldatareference", "locationlatitude", "locationlongitude",
                  "distributionchannel", "userlanguage", "q_recaptchascore"},
}
#: Headers holding the tool's own response identifier.
ID_HEADERS = {"redcap": ("record_id", "record id"), "limesurvey": ("id", "response id"),
              "qualtrics": ("responseid",), "spss": ("id", "response id", "responseid", "record_id"),
              "generic": ("response_id", "respondent_id", "id", "record_id", "responseid")}
#: Answers that mean "not answered" in every format.
NOT_ANSWERED = {"n/a", "-oth-"}

_MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
          b"%PDF": "a PDF document", b"PK\x03\x04": "a zip archive (for example an Excel workbook)",
          b"\xd0\xcf\x11\xe0": "an old Office document"}


@dataclass(frozen=True)
class ExportColumn:
    """What one export header says: ``base`` question part, ``sub`` choice part, question ``text``, value labels."""

    header: str
    base: str
    sub: str | None = None
    text: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    sub_text: str | None = None


@dataclass
class Export:
    """A raw export: answers as text, the file's row number of every respondent, and what each header says."""

    frame: pd.DataFrame
    rows: list[int]
    file: str
    format: str
    columns: dict[str, ExportColumn]
    id_column: str | None = None
    metadata_columns: set[str] = field(default_factory=set)

    def response_keys(self) -> list[str]:
        """A stable key per respondent: the tool's response id when there is one, else ``row<N>``."""
        if self.id_column is None:
            return [f"row{r}" for r in self.rows]
        keys, seen = [], set()
        for value, row in zip(self.frame[self.id_column], self.rows):
            key = f"id:{value}" if value is not None else f"row{row}"
            keys.append(key if key not in seen else f"{key}@row{row}")
            seen.add(key)
        return keys


class ExportError(ValueError):
    """A file cannot be read as a survey export; ``.issues`` name the file (and row/column when known)."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def read_export(path: str | Path, *, name: str | None = None) -> Export:
    """Read a raw export (format detected from the file: suffix, headers, header rows).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (REDCap, LimeSurvey, Qualtrics or generic), ``.sav`` (SPSS) or ``.xlsx`` (generic).
    name : str, optional
        The file name shown in messages (default: the path's name).

    Raises
    ------
    ExportError
        The file is missing, binary (an image renamed .csv), empty, or has no header.

    Examples
    --------
    >>> from challengelab._paths import example_dir
    >>> export = read_export(example_dir() / "intake" / "redcap_export_synthetic.csv")
    >>> export.format, export.id_column, export.rows[:3]
    ('redcap', 'record_id', [2, 3, 4])
    >>> export.columns["motivation___2"].base, export.columns["motivation___2"].sub
    ('motivation', '2')
    """
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise ExportError([ValidationIssue("no such file", file=name)])
    suffix = path.suffix.lower()
    if suffix == ".sav":
        return _read_sav(path, name)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, name)
    return read_export_bytes(path.read_bytes(), name)


def read_export_bytes(data: bytes, name: str) -> Export:
    """Read a CSV/TSV export held in memory (see :func:`read_export`)."""
    records = _csv_records(data, name)
    header = [str(h).strip() for h in records[0][1]]
    body = records[1:]
    fmt = _detect_format(header, body)
    texts: list[str] | None = None
    if fmt == "qualtrics":
        texts = [str(t) for t in body[0][1]] + [""] * (len(header) - len(body[0][1]))
        body = body[2:]
    return _assemble(header, body, name, fmt, texts)


# --- CSV -------------------------------------------------------------------------------------------------------


def _csv_records(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    head = data[:4096]
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise ExportError([ValidationIssue(f"this is {what}, not a CSV survey export", file=name)])
    if b"\x00" in head:
        raise ExportError([ValidationIssue("this is a binary file, not a CSV survey export", file=name)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise ExportError([ValidationIssue("the file is empty", file=name)])
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, start = [], 1
    try:
        for record in reader:
            if record and (records or any(cell.strip() for cell in record)):  # rows of empty cells are rows
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ExportError([ValidationIssue(f"not a readable CSV file ({exc})", file=name, row=start)]) from exc
    if len(records[0][1]) < 2:
        raise ExportError([ValidationIssue(
            "the first line holds fewer than two columns; a survey export has one column per question",
            file=name, row=records[0][0])])
    return records


def _detect_format(header: list[str], body: list[tuple[int, list[str]]]) -> str:
    folded = {h.lower() for h in header}
    if len(body) >= 2 and any(str(c).startswith('{"ImportId"') for c in body[1][1]):
        return "qualtrics"
    if (header and header[0].lower() in ("record_id", "record id")) or any(
            h.endswith("_complete") or "___" in h or h.startswith("redcap_") or "(choice=" in h for h in header):
        return "redcap"
    if len(folded & METADATA["limesurvey"]) >= 2 or {"id", "submitdate"} <= folded or "response id" in folded:
        return "limesurvey"
    return "generic"


def _assemble(header: list[str], body: list[tuple[int, list[str]]], name: str, fmt: str,
              texts: list[str] | None = None) -> Export:
    width = len(header)
    header = _unique_headers(header)
    values = [[_clean(cell) for cell in (record + [""] * width)[:width]] for _, record in body]
    frame = pd.DataFrame(values, columns=header, dtype=object)
    rows = [line for line, _ in body]
    columns = {h: _describe(h, fmt, texts[i] if texts else None) for i, h in enumerate(header)}
    return _finish(frame, rows, name, fmt, columns)


def _finish(frame: pd.DataFrame, rows: list[int], name: str, fmt: str, columns: dict[str, ExportColumn]) -> Export:
    folded = {h.lower(): h for h in frame.columns}
    id_column = next((folded[h] for h in ID_HEADERS.get(fmt, ()) if h in folded), None)
    meta = {h for h in frame.columns if _is_metadata(h, fmt)}
    if fmt == "limesurvey":  # question timings: "<code>Time" next to "<code>"
        meta |= {h for h in frame.columns if h.endswith("Time") and h[:-4] in frame.columns}
    if id_column:
        meta.add(id_column)
    return Export(frame, rows, name, fmt, columns, id_column, meta)


def _is_metadata(header: str, fmt: str) -> bool:
    low = header.lower()
    if low in METADATA.get(fmt, set()) or low in METADATA["limesurvey"] and fmt == "generic":
        return True
    if fmt == "redcap" and (low.endswith("_timestamp") or low.endswith("_complete") or low == "complete?"):
        return True
    if fmt == "limesurvey" and (low.startswith("grouptime") or low.startswith("group time")
                                or low.startswith("question time")):
        return True
    return False


_CHECKBOX = re.compile(r"^(?P<base>[A-Za-z][A-Za-z0-9_]*?)___(?P<sub>[A-Za-z0-9_-]+)$")
_BRACKET = re.compile(r"^(?P<base>.+?)\s*\[(?P<sub>[^\[\]]+)\]$")
_CHOICE = re.compile(r"^(?P<base>.+?)\s*\(choice=(?P<sub>.+)\)$")
_QUALTRICS = re.compile(r"^(?P<base>Q[A-Za-z0-9]*?)_(?P<sub>\d+)$")
_SUBCODE = re.compile(r"^(?P<base>[A-Za-z][A-Za-z0-9_]*?)_(?P<sub>SQ\d+)$")  # LimeSurvey codes in SPSS/R exports


def _describe(header: str, fmt: str, text: str | None = None) -> ExportColumn:
    """Split a header into question and choice parts, by the tool's naming rules."""
    patterns = {"redcap": (_CHECKBOX, _CHOICE), "limesurvey": (_BRACKET,), "qualtrics": (_QUALTRICS, _BRACKET),
                "spss": (_CHECKBOX, _SUBCODE, _BRACKET), "generic": (_CHECKBOX, _SUBCODE, _BRACKET, _CHOICE)}[fmt]
    for pattern in patterns:
        match = pattern.match(header)
        if match:
            parts = text.rsplit(" - ", 1) if text and " - " in text else None
            return ExportColumn(header, match["base"].strip(), match["sub"].strip(),
                                parts[0] if parts else text, sub_text=parts[1] if parts else None)
    return ExportColumn(header, header, None, text or None)


def _unique_headers(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        h = h or "(no header)"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _clean(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if not text or text.lower() in NOT_ANSWERED:
        return None
    return text


# --- SPSS and Excel --------------------------------------------------------------------------------------------


def _read_sav(path: Path, name: str) -> Export:
    try:
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own types for corrupt files
        raise ExportError([ValidationIssue(f"not a readable SPSS .sav file ({type(exc).__name__}: {exc})",
                                           file=name)]) from exc
    header = [str(c) for c in frame.columns]
    values = pd.DataFrame({c: [_clean(v) for v in frame[c].tolist()] for c in frame.columns}, dtype=object)
    labels = meta.variable_value_labels or {}
    texts = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    columns = {}
    for h in header:
        described = _describe(h, "spss")
        coded = tuple((_clean(k) or "", str(v)) for k, v in labels.get(h, {}).items())
        text = texts.get(h)
        parts = text.rsplit(" - ", 1) if text and described.sub and " - " in text else None
        columns[h] = ExportColumn(h, described.base, described.sub, parts[0] if parts else text, coded,
                                  parts[1] if parts else None)
    return _finish(values.reset_index(drop=True), list(range(1, len(frame) + 1)), name, "spss", columns)


def _read_xlsx(path: Path, name: str) -> Export:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        records = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)
                   if any(v not in (None, "") for v in r)]
        workbook.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise ExportError([ValidationIssue(f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                                           file=name)]) from exc
    if not records or len([h for h in records[0][1] if h not in (None, "")]) < 2:
        raise ExportError([ValidationIssue("the first sheet has no header row with two or more columns",
                                           file=name, sheet=None, row=1)])
    header = ["" if h is None else str(h).strip() for h in records[0][1]]
    body = [(i, ["" if v is None else v for v in r]) for i, r in records[1:]]
    fmt = _detect_format(header, body)
    return _assemble(header, body, name, fmt if fmt != "qualtrics" else "generic")
