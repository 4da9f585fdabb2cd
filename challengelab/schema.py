"""Pydantic schemas of the four survey tables, built from the fixed columns and the codebook's items.

Each table is validated in one bulk call (``TypeAdapter(list[Row]).validate_python``); every pydantic error is
mapped back to the row number and column header the user sees. Rows with any error are rejected; the
counts satisfy ``rows_in == rows_accepted + rows_rejected``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, Optional

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from challengelab.codebook import Codebook, Item
from challengelab.io import RawTable
from challengelab.validation import ValidationIssue

TASK_CATEGORIES = ("segmentation", "classification", "detection", "tracking", "registration", "regression",
                   "reconstruction", "other")

Kind = Literal["id", "text", "int", "float", "binary", "categorical", "ordinal", "multi_select"]

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
            base = Annotated[int, Field(ge=self.minimum, le=self.maximum)]
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


def row_schema(table: str, codebook: Codebook) -> type:
    """A pydantic-validated ``TypedDict`` of one row of ``table`` under ``codebook``."""
    return TypedDict(f"{table.title()}Row", {c.name: c.annotation() for c in table_columns(table, codebook)})


@dataclass
class TableResult:
    frame: pd.DataFrame  # accepted rows, typed
    rows: list[int]  # row numbers of the accepted rows
    issues: list[ValidationIssue]
    rows_in: int
    rows_rejected: int


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
        return TableResult(_empty_frame(columns), [], issues, n_rows, n_rows)

    frame = raw.frame[list(rename)].rename(columns=rename)
    records = _records(frame, columns)
    adapter = TypeAdapter(list[row_schema(raw.name, codebook)])
    bad_rows: set[int] = set()
    try:
        clean = adapter.validate_python(records)
    except ValidationError as exc:
        by_name = {c.name: c for c in columns}
        for error in exc.errors(include_url=False):
            position, field = error["loc"][0], str(error["loc"][1])
            column = by_name[field]
            bad_rows.add(position)
            value = frame.iat[position, frame.columns.get_loc(field)] if field in frame.columns else None
            if error["input"] is None or error["type"] in ("missing", "string_too_short"):
                reason = f"{field} is required but empty"
            else:
                reason = column.explain(error["msg"])
            issues.append(ValidationIssue(reason, **where, row=raw.rows[position], column=headers[field],
                                          value=_shown(value)))
        keep = [i for i in range(n_rows) if i not in bad_rows]
        clean = adapter.validate_python([records[i] for i in keep])
    else:
        keep = list(range(n_rows))
    typed = _typed_frame(clean, columns)
    return TableResult(typed, [raw.rows[i] for i in keep], issues, n_rows, len(bad_rows))


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


def _records(frame: pd.DataFrame, columns: list[Column]) -> list[dict]:
    """Column-wise normalisation (strip, empty -> None, yes/no -> bool, case of levels), then row dicts."""
    data: dict[str, list] = {}
    n = len(frame)
    for column in columns:
        if column.name not in frame.columns:
            data[column.name] = [None] * n
            continue
        values = [_blank_to_none(v) for v in frame[column.name].tolist()]
        data[column.name] = _normalise(values, column)
    names = list(data)
    return [dict(zip(names, row)) for row in zip(*(data[k] for k in names))] if names else [{}] * n


def _normalise(values: list, column: Column) -> list:
    kind = column.kind
    if kind in ("id", "text"):
        return [None if v is None else _as_text(v) for v in values]
    if kind == "binary":
        out = []
        for v in values:
            if isinstance(v, (bool, np.bool_)):
                out.append(bool(v))
                continue
            token = None if v is None else str(v).strip().lower()
            out.append(None if token is None else True if token in _TRUE else False if token in _FALSE else v)
        return out
    if kind in ("categorical", "ordinal"):
        lookup = {level.lower(): level for level in column.levels or ()}
        return [None if v is None else lookup.get(_as_text(v).lower(), v) for v in values]
    if kind == "multi_select":
        lookup = {level.lower(): level for level in column.levels or ()}
        return [None if v is None else [lookup.get(p.strip().lower(), p.strip()) for p in str(v).split(";")
                                        if p.strip()] for v in values]
    if kind in ("int", "float"):
        return [_as_number(v) for v in values]
    return values


def _as_number(value):
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().replace(",", ".") if value.count(",") == 1 and "." not in value else value.strip()
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return value


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _blank_to_none(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _shown(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _typed_frame(records: list[dict], columns: list[Column]) -> pd.DataFrame:
    data: dict[str, pd.Series | pd.Categorical | list] = {}
    for column in columns:
        values = [r[column.name] for r in records]
        if column.kind in ("id", "text"):
            data[column.name] = pd.array(values, dtype="string")
        elif column.kind == "int":
            data[column.name] = pd.array(values, dtype="Int64")
        elif column.kind == "float":
            data[column.name] = pd.array(values, dtype="Float64")
        elif column.kind == "binary":
            data[column.name] = pd.array(values, dtype="boolean")
        elif column.kind in ("categorical", "ordinal"):
            data[column.name] = pd.Categorical(values, categories=list(column.levels or ()),
                                               ordered=column.kind == "ordinal")
        else:  # multi_select: the answers joined by "; " in codebook order, plus one indicator per level
            levels = list(column.levels or ())
            data[column.name] = pd.array(
                [None if v is None else "; ".join(level for level in levels if level in v) for v in values],
                dtype="string")
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(records)))
    return frame


def _empty_frame(columns: list[Column]) -> pd.DataFrame:
    return _typed_frame([], columns)
