"""Per-case assessment results: reading, validation and the per-task matrices the ranking methods use.

The data contract is a long table with one row per task x case x algorithm and a numeric ``value``. Validation
happens here, once, at the boundary; everything downstream trusts an :class:`Assessment`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

__all__ = ["Assessment", "AssessmentIssue", "AssessmentValidationError", "TaskMatrix", "load_assessment"]

_MISSING_STRINGS = frozenset({"", "na", "nan", "null", "none", "n/a", "#n/a"})
_MAX_LISTED = 20


@dataclass(frozen=True)
class AssessmentIssue:
    """One problem found in an assessment table.

    ``location`` is the row as the user sees it: ``"line 12"`` in a CSV file (header = line 1), ``"row 12"``
    in an Excel sheet, ``"row 3"`` (1-based) in a Parquet file and ``"index 7"`` (the index label) in a
    DataFrame.
    """

    source: str
    location: str
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}{column}: {self.reason}"


class AssessmentValidationError(ValueError):
    """Raised when an assessment table is invalid; ``.issues`` lists every problem found."""

    def __init__(self, issues: list[AssessmentIssue]):
        self.issues = list(issues)
        shown = "\n".join(f"  - {issue}" for issue in self.issues[:_MAX_LISTED])
        more = len(self.issues) - _MAX_LISTED
        tail = f"\n  ... and {more} more" if more > 0 else ""
        noun = "problem" if len(self.issues) == 1 else "problems"
        super().__init__(f"invalid assessment table ({len(self.issues)} {noun}):\n{shown}{tail}")


@dataclass(frozen=True)
class TaskMatrix:
    """The values of one task as a dense ``(n_cases, n_algorithms)`` array; missing values are NaN."""

    task: Any
    cases: np.ndarray
    algorithms: np.ndarray
    values: np.ndarray
    smaller_is_better: bool

    @property
    def n_cases(self) -> int:
        return self.values.shape[0]

    @property
    def n_algorithms(self) -> int:
        return self.values.shape[1]


@dataclass(frozen=True, eq=False)
class Assessment:
    """A validated assessment table.

    Attributes
    ----------
    data : DataFrame
        Columns ``task``, ``case``, ``algorithm``, ``value``; every algorithm of a task has a row for every
        case of that task (missing results are NaN). Tasks, cases and algorithms keep the order of their first
        appearance in the input.
    missing : DataFrame
        The missing combinations: ``task``, ``case``, ``algorithm``, ``reason`` (``"absent"`` when the row did
        not exist, ``"empty"`` when its value was empty).
    smaller_is_better : dict
        Direction of the metric per task.
    source : str
        Where the data came from (file name or ``"DataFrame"``).
    """

    data: pd.DataFrame
    missing: pd.DataFrame
    smaller_is_better: dict
    source: str = "DataFrame"
    _matrices: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def tasks(self) -> list:
        return list(pd.unique(self.data["task"]))

    @property
    def has_missing(self) -> bool:
        return len(self.missing) > 0

    def matrices(self) -> list[TaskMatrix]:
        """One :class:`TaskMatrix` per task, in task order (computed once)."""
        if "all" not in self._matrices:
            out = []
            for task, part in self.data.groupby("task", sort=False):
                cases = pd.unique(part["case"])
                algorithms = pd.unique(part["algorithm"])
                ci = pd.Categorical(part["case"], categories=cases).codes
                ai = pd.Categorical(part["algorithm"], categories=algorithms).codes
                values = np.full((len(cases), len(algorithms)), np.nan)
                values[ci, ai] = part["value"].to_numpy(dtype=float)
                out.append(
                    TaskMatrix(task, np.asarray(cases, dtype=object), np.asarray(algorithms, dtype=object), values,
                               bool(self.smaller_is_better.get(task, False)))
                )
            self._matrices["all"] = out
        return self._matrices["all"]

    def summary(self) -> pd.DataFrame:
        """Per task: number of algorithms, cases and missing values, and the direction."""
        rows = []
        for m in self.matrices():
            rows.append({"task": m.task, "n_algorithms": m.n_algorithms, "n_cases": m.n_cases,
                         "n_missing": int(np.isnan(m.values).sum()), "smaller_is_better": m.smaller_is_better})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        n_tasks = self.data["task"].nunique()
        return (f"Assessment({n_tasks} tasks, {len(self.data)} results, {len(self.missing)} missing, "
                f"source={self.source!r})")


# ---------------------------------------------------------------------------------------------- reading
def _leading_comment_lines(path: Path) -> int:
    n = 0
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if line.startswith("#"):
                n += 1
            else:
                break
    return n


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[str]]:
    skip = _leading_comment_lines(path)
    frame = pd.read_csv(path, skiprows=skip, dtype=str, keep_default_na=False, skip_blank_lines=False,
                        encoding="utf-8-sig")
    locations = [f"line {skip + 2 + i}" for i in range(len(frame))]
    return frame, locations


def _read_excel(path: Path, sheet: Union[str, int, None]) -> tuple[pd.DataFrame, list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            ws = book.worksheets[sheet]
        else:
            ws = book[sheet]
        rows = ws.iter_rows(values_only=True)
        header = None
        header_row = 0
        for header_row, values in enumerate(rows, start=1):
            if any(v is not None and str(v).strip() != "" for v in values):
                header = ["" if v is None else str(v).strip() for v in values]
                break
        if header is None:
            return pd.DataFrame(), []
        records, locations = [], []
        for number, values in enumerate(rows, start=header_row + 1):
            records.append(list(values[: len(header)]) + [None] * (len(header) - len(values)))
            locations.append(f"row {number}")
    finally:
        book.close()
    return pd.DataFrame(records, columns=header, dtype=object), locations


def _read(source: Any, sheet: Union[str, int, None]) -> tuple[pd.DataFrame, list[str], str]:
    if isinstance(source, pd.DataFrame):
        return source, [f"index {label}" for label in source.index], "DataFrame"
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise AssessmentValidationError([AssessmentIssue(name, "", None, "file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            frame, locations = _read_csv(path)
        elif suffix == ".tsv":
            frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, skip_blank_lines=False)
            locations = [f"line {i + 2}" for i in range(len(frame))]
        elif suffix in {".xlsx", ".xlsm"}:
            frame, locations = _read_excel(path, sheet)
        elif suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
            locations = [f"row {i + 1}" for i in range(len(frame))]
        else:
            raise AssessmentValidationError(
                [AssessmentIssue(name, "", None, f"unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)")]
            )
    except AssessmentValidationError:
        raise
    except Exception as exc:  # unreadable file: report it, no traceback for the user
        raise AssessmentValidationError([AssessmentIssue(name, "", None, f"cannot read file: {exc}")]) from exc
    return frame, locations, name


# ---------------------------------------------------------------------------------------------- validation
def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _blank_mask(column: pd.Series) -> np.ndarray:
    """Vectorised :func:`_is_blank` for a whole column."""
    mask = column.isna().to_numpy()
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        text = column.astype(object).where(~mask, "")
        is_str = text.map(type).to_numpy() == str if column.dtype == object else np.ones(len(column), bool)
        stripped = text.astype(str).str.strip().to_numpy() == ""
        mask = mask | (stripped & is_str)
    return mask


def _parse_values(column: pd.Series) -> tuple[np.ndarray, list[tuple[int, str]], np.ndarray]:
    """Numbers, problems ``(position, reason)`` and a mask of empty values."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return np.full(len(column), np.nan), [(i, "value is a boolean, not a number") for i in range(len(column))], \
            np.zeros(len(column), bool)
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        problems = [(int(i), f"value {values[i]!r} is not finite") for i in np.flatnonzero(np.isinf(values))]
        values = np.where(np.isinf(values), np.nan, values)
        return values, problems, np.isnan(values) & ~np.isinf(column.to_numpy(dtype=float, na_value=np.nan))
    fast = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    empty = _blank_mask(column)
    if column.dtype != object or not any(isinstance(v, bool) for v in column.tolist()):
        text = column.astype(object).where(~empty, "").astype(str).str.strip().str.lower()
        empty = empty | text.isin(_MISSING_STRINGS).to_numpy()
        suspicious = np.flatnonzero((np.isnan(fast) & ~empty) | np.isinf(fast))
        if len(suspicious) == 0:
            return np.where(empty, np.nan, fast), [], empty
    values = np.full(len(column), np.nan)
    empty = np.zeros(len(column), bool)
    problems: list[tuple[int, str]] = []
    for i, raw in enumerate(column.tolist()):
        if _is_blank(raw) or (isinstance(raw, str) and raw.strip().lower() in _MISSING_STRINGS):
            empty[i] = True
            continue
        if isinstance(raw, bool):
            problems.append((i, f"value {raw!r} is a boolean, not a number"))
            continue
        try:
            number = float(raw.strip()) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            problems.append((i, f"value {raw!r} is not a number"))
            continue
        if not math.isfinite(number):
            problems.append((i, f"value {raw!r} is not finite"))
            continue
        values[i] = number
    return values, problems, empty


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "yes", "1", "smaller", "lower"}:
            return True
        if text in {"false", "no", "0", "larger", "higher"}:
            return False
    return None


def load_assessment(
    source: Any,
    *,
    task: str = "task",
    case: str = "case",
    algorithm: str = "algorithm",
    value: str = "value",
    smaller_is_better: Union[bool, Mapping[Any, bool], str, None] = None,
    sheet: Union[str, int, None] = None,
) -> Assessment:
    """Read and validate a long table of per-case assessment results.

    Parameters
    ----------
    source : str, Path, DataFrame or Assessment
        A ``.csv`` (leading lines starting with ``#`` are comments), ``.xlsx``, ``.parquet`` file or a DataFrame.
        An :class:`Assessment` is returned unchanged.
    task, case, algorithm, value : str
        Column names in ``source``. A single-task table may omit the task column (pass ``task=None``).
    smaller_is_better : bool, mapping of task to bool, str or None
        Direction of the metric: one flag for all tasks, one per task, or the name of a column holding a flag
        per row (it must be constant within a task). ``None`` means larger is better.
    sheet : str or int, optional
        Excel sheet (default: the first).

    Returns
    -------
    Assessment
        The validated data, completed so that every algorithm of a task has a row for every case of that task;
        the completed (missing) combinations are listed in ``.missing``.

    Raises
    ------
    AssessmentValidationError
        A ``ValueError`` whose ``.issues`` name the file, the row as the user sees it (CSV line, Excel row) and
        the reason: missing columns, non-numeric or infinite values, empty identifiers, duplicate algorithm x
        case combinations within a task, inconsistent directions.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import load_assessment
    >>> table = pd.DataFrame({"task": "T1", "case": [1, 2, 1], "algorithm": ["A", "A", "B"],
    ...                       "value": [0.9, 0.8, 0.7]})
    >>> assessment = load_assessment(table)
    >>> assessment.missing
      task  case algorithm  reason
    0   T1     2         B  absent
    """
    if isinstance(source, Assessment):
        return source
    frame, locations, name = _read(source, sheet)
    issues: list[AssessmentIssue] = []

    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    if not isinstance(source, pd.DataFrame) and len(frame):  # drop blank lines but keep line numbers
        blank = np.column_stack([_blank_mask(frame[c]) for c in frame.columns]).all(axis=1)
        keep = ~blank
        frame = frame.loc[keep].reset_index(drop=True)
        locations = [loc for loc, k in zip(locations, keep) if k]

    if task is None:
        task = "task"
        frame[task] = "task"
    direction_column = smaller_is_better if isinstance(smaller_is_better, str) else None
    required = [task, case, algorithm, value] + ([direction_column] if direction_column else [])
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise AssessmentValidationError([AssessmentIssue(
            name, "", None,
            f"missing column(s) {absent}; available: {list(frame.columns)} (pass task=, case=, algorithm=, value= "
            "to name the columns)")])
    if len(frame) == 0:
        raise AssessmentValidationError([AssessmentIssue(name, "", None, "the table has no rows")])

    for column in (task, case, algorithm):
        for i in np.flatnonzero(_blank_mask(frame[column])):
            issues.append(AssessmentIssue(name, locations[i], column, f"empty {column}"))

    numbers, problems, empty = _parse_values(frame[value])
    issues.extend(AssessmentIssue(name, locations[i], value, reason) for i, reason in problems)

    def clean(col: pd.Series) -> pd.Series:
        if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
            return col.str.strip()
        if col.dtype == object:
            return col.map(lambda v: v.strip() if isinstance(v, str) else v)
        return col

    tidy = pd.DataFrame({"task": clean(frame[task]).to_numpy(), "case": clean(frame[case]).to_numpy(),
                         "algorithm": clean(frame[algorithm]).to_numpy(), "value": numbers})
    tidy = _normalise_identifiers(tidy)
    valid_ids = ~(tidy[["task", "case", "algorithm"]].isna().any(axis=1).to_numpy())

    dup = tidy.duplicated(["task", "case", "algorithm"], keep=False).to_numpy() & valid_ids
    if dup.any():
        dup_positions = np.flatnonzero(dup)
        groups = tidy.loc[dup].groupby(["task", "case", "algorithm"], sort=False).indices
        for (t, c, a), within in groups.items():
            positions = dup_positions[within]
            where = ", ".join(locations[p] for p in positions)
            issues.append(AssessmentIssue(
                name, locations[positions[1]], None,
                f"duplicate result for algorithm {a!r}, case {c!r} in task {t!r} ({where})"))

    directions: dict = {}
    if direction_column:
        for t, flags in frame.groupby(tidy["task"].to_numpy(), sort=False)[direction_column]:
            parsed = {_as_bool(v) for v in flags}
            if None in parsed:
                issues.append(AssessmentIssue(name, "", direction_column,
                                              f"task {t!r}: direction flags must be true/false"))
            elif len(parsed) > 1:
                issues.append(AssessmentIssue(name, "", direction_column,
                                              f"task {t!r}: direction flag differs between rows"))
            else:
                directions[t] = parsed.pop()
    if issues:
        raise AssessmentValidationError(issues)

    tasks = list(pd.unique(tidy["task"]))
    if direction_column:
        pass
    elif isinstance(smaller_is_better, Mapping):
        unknown = [t for t in smaller_is_better if t not in tasks and str(t) not in map(str, tasks)]
        if unknown:
            raise AssessmentValidationError([AssessmentIssue(name, "", None,
                                                             f"smaller_is_better names unknown task(s) {unknown}")])
        by_str = {str(k): bool(v) for k, v in smaller_is_better.items()}
        directions = {t: by_str.get(str(t), False) for t in tasks}
    else:
        directions = {t: bool(smaller_is_better) for t in tasks}

    completed, missing, matrices = _complete(tidy, empty, directions)
    assessment = Assessment(completed, missing, directions, name)
    assessment._matrices["all"] = matrices
    return assessment


def _normalise_identifiers(tidy: pd.DataFrame) -> pd.DataFrame:
    """Make identifiers hashable and comparable: whole floats become ints, blanks become NaN."""
    for column in ("task", "case", "algorithm"):
        col = tidy[column]
        blank = _blank_mask(col)
        if pd.api.types.is_float_dtype(col.dtype):
            values = [None if b else (int(v) if float(v).is_integer() else v) for v, b in zip(col.tolist(), blank)]
        elif col.dtype == object and any(isinstance(v, float) for v in col.tolist()):
            values = [None if b else (int(v) if isinstance(v, float) and v.is_integer() else v)
                      for v, b in zip(col.tolist(), blank)]
        else:
            values = col.astype(object).where(~blank, None).tolist()
        tidy[column] = pd.Series(values, dtype=object)
    return tidy


def _complete(tidy: pd.DataFrame, empty: np.ndarray, directions: dict) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Complete every task to the full algorithm x case grid (vectorised over tasks)."""
    t_code, t_uniques = pd.factorize(tidy["task"])
    # case and algorithm keys are (task, identifier) pairs, numbered by first appearance
    c_code, c_pairs = pd.factorize(t_code.astype(np.int64) * (len(tidy) + 1) + pd.factorize(tidy["case"])[0])
    a_code, a_pairs = pd.factorize(t_code.astype(np.int64) * (len(tidy) + 1) + pd.factorize(tidy["algorithm"])[0])
    case_first = np.zeros(len(c_pairs), np.int64)
    case_first[c_code[::-1]] = np.arange(len(tidy))[::-1]
    alg_first = np.zeros(len(a_pairs), np.int64)
    alg_first[a_code[::-1]] = np.arange(len(tidy))[::-1]
    case_task = t_code[case_first]
    alg_task = t_code[alg_first]
    case_values = tidy["case"].to_numpy(dtype=object)[case_first]
    alg_values = tidy["algorithm"].to_numpy(dtype=object)[alg_first]
    values = tidy["value"].to_numpy(dtype=float)

    parts, matrices, missing_parts = [], [], []
    for t, task in enumerate(t_uniques):
        cases = np.flatnonzero(case_task == t)  # global case ids of this task, in order of appearance
        algs = np.flatnonzero(alg_task == t)
        local_case = np.empty(len(c_pairs), np.int64)
        local_case[cases] = np.arange(len(cases))
        local_alg = np.empty(len(a_pairs), np.int64)
        local_alg[algs] = np.arange(len(algs))
        rows = np.flatnonzero(t_code == t)
        matrix = np.full((len(cases), len(algs)), np.nan)
        present = np.zeros((len(cases), len(algs)), bool)
        ci, ai = local_case[c_code[rows]], local_alg[a_code[rows]]
        matrix[ci, ai] = values[rows]
        present[ci, ai] = True
        matrices.append(TaskMatrix(task, case_values[cases], alg_values[algs], matrix,
                                   bool(directions.get(task, False))))
        parts.append((task, case_values[cases], alg_values[algs], matrix))
        absent_c, absent_a = np.nonzero(~present.T)  # algorithm-major, like the data table
        if len(absent_c):
            missing_parts.append(pd.DataFrame({"task": task, "case": case_values[cases][absent_a],
                                               "algorithm": alg_values[algs][absent_c], "reason": "absent"}))
    data = pd.DataFrame({
        "task": np.concatenate([np.repeat(np.array([t], dtype=object), m.size) for t, _, _, m in parts]),
        "case": np.concatenate([np.tile(c, len(a)) for _, c, a, _ in parts]),
        "algorithm": np.concatenate([np.repeat(a, len(c)) for _, c, a, _ in parts]),
        "value": np.concatenate([m.T.ravel() for _, _, _, m in parts]),
    })
    empty_rows = tidy.loc[empty, ["task", "case", "algorithm"]].assign(reason="empty")
    frames = [f for f in [empty_rows] + missing_parts if len(f)]
    missing = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame({"task": [], "case": [], "algorithm": [], "reason": []})
    missing = missing[["task", "case", "algorithm", "reason"]].reset_index(drop=True)
    for column in ("task", "case", "algorithm"):
        data[column] = _restore_dtype(data[column])
        missing[column] = _restore_dtype(missing[column])
    return data, missing, matrices


def _restore_dtype(column: pd.Series) -> pd.Series:
    values = column.tolist()
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64", index=column.index)
    if values and all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype="str", index=column.index)
    return column.astype(object)
