"""Pydantic schemas of the four survey tables, built from the fixed columns and the codebook's items.

Every column has a pydantic type (:meth:`Column.annotation`: bounds, allowed levels, strict yes/no). A table
is validated column by column in bulk: each column's distinct values are normalised and validated in one
``TypeAdapter(list[...]).validate_python`` call, and every error is mapped back to each row number and column
header the user sees. Rows with any error are rejected; the counts satisfy
``rows_in == rows_accepted + rows_rejected``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, TypeAdapter, ValidationError

from challengelab.survey.codebook import Codebook, Item
from challengelab.survey.read import EXCEL_ERRORS, CellProblem, RawTable
from challengelab.errors import ValidationIssue

TASK_CATEGORIES = ("segmentation", "classification", "detection", "tracking", "registration", "regression",
                   "reconstruction", "other")

Kind = Literal["id", "text", "int", "float", "binary", "categorical", "ordinal", "multi_select"]

#: Whole numbers beyond this are refused: they cannot be stored exactly (and nothing in a survey is that large).
MAX_WHOLE = 2**53

_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}


@dataclass(frozen=True)
class Column:
    """One column of a survey table: its kind, whether it is required, and its allowed values."""

    name: str
    kind: Kind
    required: bool = False
    levels: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    label: str = ""
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_item(cls, item: Item) -> Column:
        kind: Kind = "int" if item.type == "numeric" and item.integer else (
            "float" if item.type == "numeric" else item.type)
        return cls(item.name, kind, False, item.levels, item.minimum, item.maximum, item.label, item.aliases)

    def annotation(self) -> Any:
        if self.kind in ("id", "text"):
            base: Any = Annotated[str, Field(min_length=1)]
        elif self.kind == "int":
            low = -MAX_WHOLE if self.minimum is None else self.minimum
            high = MAX_WHOLE if self.maximum is None else self.maximum
            base = Annotated[int, Field(ge=low, le=high)]
        elif self.kind == "float":
            base = Annotated[float, Field(ge=self.minimum, le=self.maximum, allow_inf_nan=False)]
        elif self.kind == "binary":
            base = StrictBool
        elif self.kind in ("categorical", "ordinal"):
            base = Literal[self.levels]  # type: ignore[valid-type]
        else:  # multi_select
            base = list[Literal[self.levels]]  # type: ignore[valid-type]
        return base if self.required else Optional[base]

    def explain(self, pydantic_message: str) -> str:
        """A reason a person understands, from pydantic's message."""
        if self.kind == "binary":
            return "expected a yes/no answer (yes, no, true, false, 1 or 0)"
        if self.kind in ("categorical", "ordinal", "multi_select"):
            return f"not an allowed answer; allowed: {', '.join(self.levels or ())}"
        if self.kind == "int" and "integer" in pydantic_message:
            return "expected a whole number"
        if self.kind in ("int", "float") and ("number" in pydantic_message or "finite" in pydantic_message):
            return "expected a (finite) number"
        return pydantic_message.replace("Input should be", "must be").replace("String should have at least 1 "
                                                                               "character", "must not be empty")


def fixed_columns(table: str) -> list[Column]:
    """The fixed (non-questionnaire) columns of a survey table."""
    ident = lambda name, label: Column(name, "id", True, label=label)  # noqa: E731
    return {
        "challenges": [
            ident("challenge_id", "Identifier of the challenge"),
            Column("name", "text", True, label="Name of the challenge"),
            Column("conference", "text", True, label="Conference that hosted it, e.g. MICCAI or ISBI"),
            Column("year", "int", True, minimum=1990, maximum=2100, label="Year of the conference"),
            Column("url", "text", label="Web page of the challenge"),
        ],
        "tasks": [
            ident("task_id", "Identifier of the task (one leaderboard)"),
            ident("challenge_id", "Challenge the task belongs to"),
            Column("name", "text", label="Name of the task"),
            Column("task_category", "categorical", True, TASK_CATEGORIES, label="Kind of task"),
            Column("modality", "text", True, label="Imaging modality"),
            Column("n_teams", "int", True, minimum=1, maximum=100000,
                   label="Number of teams on the final leaderboard"),
            Column("metrics", "text", label="Metrics used for ranking"),
            Column("ranking_method", "text", label="How the leaderboard was ranked"),
        ],
        "responses": [
            ident("task_id", "Task the team took part in"),
            ident("team_id", "Pseudonymous team identifier"),
            Column("rank", "int", True, minimum=1, label="Final rank on the leaderboard (1 = best)"),
        ],
        "organizers": [ident("task_id", "Task the organizers answered for")],
    }[table]


def table_columns(table: str, codebook: Codebook) -> list[Column]:
    """Fixed columns followed by the codebook's items of this table."""
    return fixed_columns(table) + [Column.from_item(item) for item in codebook.select(table=table)]


@dataclass
class TableResult:
    frame: pd.DataFrame  # accepted rows, typed
    rows: list[int]  # row numbers of the accepted rows
    issues: list[ValidationIssue]
    rows_in: int
    rows_rejected: int
    #: identifier column -> {identifier of a rejected row: its row number}, so that references to it can name
    #: the cause ("refers to task_id 'T1', whose row was rejected above") instead of "not in the table".
    rejected_ids: dict[str, dict[str, int]] | None = None


def validate_table(raw: RawTable, codebook: Codebook) -> TableResult:
    """Validate one raw table; return the accepted rows (typed) and every problem found."""
    columns = table_columns(raw.name, codebook)
    where = {"file": raw.file, "sheet": raw.sheet}
    issues = list(raw.header_issues)
    header_row = raw.rows[0] - 1 if raw.rows else None

    rename, headers = _match_headers(list(raw.frame.columns), columns, codebook.aliases(raw.name))
    for header in raw.frame.columns:
        if header not in rename:
            issues.append(ValidationIssue(
                f"unknown column {header!r} is not in the codebook and was not loaded", **where,
                row=header_row, column=str(header), severity="warning"))
    missing = [c.name for c in columns if c.required and c.name not in headers]
    for name in missing:
        issues.append(ValidationIssue(f"required column {name!r} is missing", **where, row=header_row, column=name))
    n_rows = len(raw.frame)
    if missing:
        empty = np.array([], dtype=object)
        return TableResult(pd.DataFrame({c.name: _typed(empty, c) for c in columns}), [], issues, n_rows,
                           n_rows)

    frame = raw.frame[list(rename)].rename(columns=rename)
    bad = np.zeros(n_rows, dtype=bool)
    found: list[tuple[int, int, ValidationIssue]] = []
    typed: dict[str, object] = {}
    for order, column in enumerate(columns):
        codes, values = _factorized(frame[column.name] if column.name in frame.columns else None, column, n_rows)
        invalid = _invalid_values(values, column)  # position in `values` -> reason
        for code, reason in invalid.items():
            for position in np.flatnonzero(codes == code):
                bad[position] = True
                shown = None if code == len(values) - 1 else frame[column.name].iat[position]
                found.append((position, order, ValidationIssue(reason, **where, row=raw.rows[position],
                                                               column=headers.get(column.name, column.name),
                                                               value=_shown(shown))))
        if invalid:  # their rows are rejected; keep the column typeable
            values = values.copy()
            values[list(invalid)] = None
        typed[column.name] = (codes, values)
    issues.extend(issue for _, _, issue in sorted(found, key=lambda f: (f[0], f[1])))
    keep = ~bad
    table = pd.DataFrame({name: _typed(values, column).take(codes[keep], allow_fill=False)
                          for column, (name, (codes, values)) in zip(columns, typed.items())})
    rows = [r for r, k in zip(raw.rows, keep) if k]
    rejected_ids: dict[str, dict[str, int]] = {}
    for column, (codes, values) in zip(columns, typed.values()):
        if column.kind == "id":
            found_ids = rejected_ids.setdefault(column.name, {})
            for position in np.flatnonzero(bad):
                value = values[codes[position]]
                if isinstance(value, str):
                    found_ids.setdefault(value, raw.rows[position])
    return TableResult(table, rows, issues, n_rows, int(bad.sum()), rejected_ids)


def _factorized(values: pd.Series | None, column: Column, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The column as codes into its distinct normalised values; the last value is always ``None`` (missing).

    Survey columns hold few distinct values, so normalising and validating each distinct value once is much
    faster than doing it per cell; the result is the same.
    """
    if values is None:
        return np.full(n, 0, dtype=np.intp), np.array([None], dtype=object)
    raw = pd.Series(values.to_numpy(dtype=object), dtype=object)
    try:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists from a DataFrame or Parquet): named, not a crash
        raw = pd.Series([v if _hashable(v) else CellProblem("a list or structure where a single value is expected",
                                                            str(v)[:80]) for v in raw.tolist()], dtype=object)
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    normalised = _normalise(pd.Series(uniques, dtype=object), column, len(uniques))
    missing = len(normalised)
    values = np.append(normalised, None)
    codes = np.where(codes < 0, missing, codes)
    # values that normalise to missing (blank text) share the missing code
    blank = np.flatnonzero(np.array([v is None for v in normalised], dtype=bool))
    if blank.size:
        codes = np.where(np.isin(codes, blank), missing, codes)
    return codes.astype(np.intp), values


def _invalid_values(values: np.ndarray, column: Column) -> dict[int, str]:
    """Validate each distinct value with the column's pydantic schema; return ``{position: reason}``."""
    listed = values.tolist()
    reasons: dict[int, str] = {}
    for position, value in enumerate(listed):
        if isinstance(value, CellProblem):  # named for what it is, never "required but empty"
            reasons[position] = value.reason
            listed[position] = None
    try:
        _adapter(column).validate_python(listed)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            position = error["loc"][0]
            if error["input"] is None or error["type"] in ("missing", "string_too_short"):
                reasons.setdefault(position, f"{column.name} is required but empty")
            else:
                reasons.setdefault(position, column.explain(error["msg"]))
    return reasons


_ADAPTERS: dict[Column, TypeAdapter] = {}


def _adapter(column: Column) -> TypeAdapter:
    if column not in _ADAPTERS:
        _ADAPTERS[column] = TypeAdapter(list[column.annotation()])
    return _ADAPTERS[column]


def _match_headers(found: list[str], columns: list[Column], aliases: dict[str, str]
                   ) -> tuple[dict[str, str], dict[str, str]]:
    """Map file headers to column names: exact, then codebook alias, then case/space-insensitive."""
    names = {c.name for c in columns}
    folded = {c.name.lower(): c.name for c in columns}
    folded_aliases = {a.strip().lower(): n for a, n in aliases.items()}
    rename: dict[str, str] = {}
    for header in found:
        key = str(header).strip()
        target = key if key in names else aliases.get(key) or folded.get(key.lower().replace(" ", "_")) \
            or folded_aliases.get(key.lower())
        if target and target not in rename.values():
            rename[header] = target
    headers = {target: str(header) for header, target in rename.items()}
    return rename, headers


def _normalise(values: pd.Series | None, column: Column, n: int) -> np.ndarray:
    """Clean-up before the schema sees a value (one pass over the column, no pandas per element).

    Text is stripped and empty text becomes missing; yes/no tokens become booleans; levels are matched
    case-insensitively; numbers written as text become numbers. A value that cannot be read is passed on
    unchanged, so that the schema rejects it and the report shows what the user wrote.
    """
    out = np.full(n, None, dtype=object)
    if values is None:
        return out
    convert = _converter(column)
    for position, value in enumerate(values.tolist()):
        if type(value) is str:
            value = value.strip()
            if not value:
                continue
            out[position] = _text_problem(value, column) or convert(value)
        elif value is None or value is pd.NA or (isinstance(value, float) and value != value):
            continue
        elif isinstance(value, CellProblem):
            out[position] = value
        elif isinstance(value, (bool, np.bool_)) and column.kind != "binary":
            out[position] = CellProblem(f"a TRUE/FALSE (yes/no) value where {_KIND_WORDS[column.kind]} is "
                                        "expected", bool(value))
        else:
            out[position] = convert(value)
    return out


_KIND_WORDS = {"id": "an identifier", "text": "text", "int": "a whole number", "float": "a number",
               "categorical": "one of the allowed answers", "ordinal": "one of the allowed answers",
               "multi_select": "allowed answers", "binary": "yes/no"}
#: Control characters: no spreadsheet can store them, no reader expects them (tab and line breaks are allowed
#: in free text).
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ID = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Invisible characters removed from identifiers (zero-width space, joiners, word joiner, byte-order mark).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _text_problem(value: str, column: Column) -> CellProblem | None:
    if value in EXCEL_ERRORS:
        return CellProblem(f"Excel error value {value} (a formula failed); enter the value itself", value)
    found = (_CONTROL_ID if column.kind == "id" else _CONTROL_TEXT).search(value)
    if found:
        return CellProblem(f"contains the control character U+{ord(found.group()):04X}, which spreadsheets and "
                           "reports cannot hold; remove it", value.encode("unicode_escape").decode("ascii"))
    return None


def normalise_identifier(value: str) -> str:
    """An identifier in one canonical form: Unicode NFC, invisible characters removed, outer spaces stripped.

    >>> normalise_identifier("team\u200bA") == normalise_identifier("teamA")
    True
    """
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


_BINARY_TOKENS = {**{t: True for t in _TRUE}, **{t: False for t in _FALSE}}


def _converter(column: Column):
    kind = column.kind
    if kind == "id":
        return lambda v: normalise_identifier(_as_text(v)) or None
    if kind == "text":
        return _as_text
    if kind == "binary":
        return lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else _BINARY_TOKENS.get(str(v).lower(), v)
    lookup = {level.lower(): level for level in column.levels or ()}
    if kind in ("categorical", "ordinal"):
        return lambda v: lookup.get(str(v).lower(), v)
    if kind == "multi_select":
        return lambda v: [lookup.get(p.strip().lower(), p.strip()) for p in str(v).split(";") if p.strip()]
    return _as_number


def _as_text(value) -> str:
    return value if type(value) is str else str(int(value)) if isinstance(value, float) and value.is_integer() \
        and abs(value) < MAX_WHOLE else str(value)


def _as_number(value):
    if type(value) is not str:
        return value
    text = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
    try:
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _typed(values: np.ndarray, column: Column):
    """Accepted (already validated) values as the column's pandas dtype."""
    listed = values.tolist()
    if column.kind in ("id", "text"):
        return pd.array(listed, dtype="string")
    if column.kind == "int":
        return pd.array([None if v is None else int(v) for v in listed], dtype="Int64")
    if column.kind == "float":
        return pd.array(listed, dtype="Float64")
    if column.kind == "binary":
        return pd.array(listed, dtype="boolean")
    if column.kind in ("categorical", "ordinal"):
        return pd.Categorical(listed, categories=list(column.levels or ()), ordered=column.kind == "ordinal")
    levels = list(column.levels or ())  # multi_select: the answers joined by "; " in codebook order
    return pd.array([None if v is None else "; ".join(level for level in levels if level in v) for v in listed],
                    dtype="string")


def _shown(value):
    if isinstance(value, CellProblem):
        return value.shown
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


