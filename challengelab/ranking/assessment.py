"""Per-case assessment results: reading, validation and the per-task matrices the ranking methods use.

The data contract is a long table with one row per task x case x algorithm and a numeric ``value``. Validation
happens here, once, at the boundary; everything downstream trusts an :class:`Assessment`. The work is columnar:
identifiers are factorised once and checked per distinct value, values are parsed with one vectorised call and
only rows that fail are looked at one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from challengelab.errors import ValidationError, ValidationIssue

__all__ = ["Assessment", "AssessmentValidationError", "TaskMatrix", "load_assessment"]

_MISSING_STRINGS = frozenset({"", "na", "nan", "null", "none", "n/a", "#n/a"})
_IDENTIFIERS = ("task", "case", "algorithm")


class AssessmentValidationError(ValidationError):
    """An assessment table is invalid; ``.issues`` lists every problem (:class:`~challengelab.errors.ValidationIssue`:
    ``file``, ``row`` = CSV line / Excel row / Parquet row, ``column``, ``value``, ``reason``)."""

    def __init__(self, issues: list[ValidationIssue], *, source: str | None = None):
        super().__init__(issues, source=source, what="the assessment table")


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
        Columns ``task``, ``case``, ``algorithm`` (categorical) and ``value`` (float); every algorithm of a task
        has a row for every case of that task (missing results are NaN). Tasks, cases and algorithms keep the
        order of their first appearance in the input.
    missing : DataFrame
        The missing combinations: ``task``, ``case``, ``algorithm``, ``reason`` (``"absent"`` when the row did
        not exist, ``"empty"`` when its value was empty).
    smaller_is_better : dict
        Direction of the metric per task.
    source : str
        Where the data came from (file name or ``"DataFrame"``).
    synthetic : bool
        The data say they are synthetic: a leading comment line of the CSV file containing "synthetic", or
        ``attrs["synthetic"]`` of a DataFrame. Outputs made from it must say so.
    task_matrices : list of TaskMatrix
        One dense matrix per task, in task order (see :meth:`matrices`).
    """

    data: pd.DataFrame
    missing: pd.DataFrame
    smaller_is_better: dict
    source: str = "DataFrame"
    synthetic: bool = False
    task_matrices: list = field(default_factory=list, repr=False)

    @property
    def tasks(self) -> list:
        return [m.task for m in self.task_matrices]

    @property
    def has_missing(self) -> bool:
        return len(self.missing) > 0

    def matrices(self) -> list[TaskMatrix]:
        """One :class:`TaskMatrix` per task, in task order."""
        return self.task_matrices

    def summary(self) -> pd.DataFrame:
        """Per task: number of algorithms, cases and missing values, and the direction."""
        rows = [{"task": m.task, "n_algorithms": m.n_algorithms, "n_cases": m.n_cases,
                 "n_missing": int(np.isnan(m.values).sum()), "smaller_is_better": m.smaller_is_better}
                for m in self.task_matrices]
        return pd.DataFrame(rows)

    def worst_value(self) -> float:
        """The worst value observed for the metric (the smallest if larger is better, else the largest): what
        challengeR's ``na.treat`` puts in place of a missing result to count it as the worst result.

        Raises ``ValueError`` when the results hold no value or tasks disagree on the metric's direction.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"task": "T", "case": [1, 1, 2, 2], "algorithm": list("ABAB"),
        ...                       "value": [0.9, 0.4, None, 0.7]})
        >>> load_assessment(frame).worst_value()
        0.4
        """
        directions = set(self.smaller_is_better.values())
        if len(directions) > 1:
            raise ValueError("the tasks disagree on the metric's direction: give a number for the missing results")
        values = self.data["value"].dropna()
        if values.empty:
            raise ValueError("the results hold no value at all")
        return float(values.max() if directions == {True} else values.min())

    def __repr__(self) -> str:
        label = "synthetic, " if self.synthetic else ""
        return (f"Assessment({label}{len(self.task_matrices)} tasks, {len(self.data)} results, "
                f"{len(self.missing)} missing, source={self.source!r})")


# ---------------------------------------------------------------------------------------------- reading
@dataclass
class _Table:
    """A read table and where its rows are as the user sees them."""

    frame: pd.DataFrame
    name: str
    numbers: np.ndarray | None = None  # CSV line / Excel row / Parquet row of every row
    labels: pd.Index | None = None  # DataFrame index labels
    synthetic: bool = False

    def issue(self, position: int | None, reason: str, column: str | None = None,
              value: Any = None) -> ValidationIssue:
        row = None
        if position is not None and self.numbers is not None:
            row = int(self.numbers[position])
        elif position is not None and self.labels is not None:
            reason = f"{reason} (index {self.labels[position]!r})"
        return ValidationIssue(reason, file=self.name, row=row, column=column, value=value)

    def drop(self, keep: np.ndarray) -> None:
        self.frame = self.frame.loc[keep].reset_index(drop=True)
        if self.numbers is not None:
            self.numbers = self.numbers[keep]


def _comment_lines(path: Path) -> list[str]:
    lines = []
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line)
    return lines


def _read_text(path: Path, sep: str) -> _Table:
    comments = _comment_lines(path)
    frame = pd.read_csv(path, sep=sep, skiprows=len(comments), dtype=str, keep_default_na=False,
                        skip_blank_lines=False, encoding="utf-8-sig")
    numbers = len(comments) + 2 + np.arange(len(frame))
    synthetic = any("synthetic" in line.lower() for line in comments)
    return _Table(frame, str(path), numbers=numbers, synthetic=synthetic)


def _read_excel(path: Path, sheet: Union[str, int, None]) -> _Table:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book.worksheets[sheet or 0] if sheet is None or isinstance(sheet, int) else book[sheet]
        rows = ws.iter_rows(values_only=True)
        header, header_row = None, 0
        for header_row, values in enumerate(rows, start=1):
            if any(v is not None and str(v).strip() != "" for v in values):
                header = ["" if v is None else str(v).strip() for v in values]
                break
        if header is None:
            return _Table(pd.DataFrame(), str(path), numbers=np.zeros(0, np.int64))
        width = len(header)
        records = [list(values[:width]) + [None] * (width - len(values)) for values in rows]
    finally:
        book.close()
    numbers = header_row + 1 + np.arange(len(records))
    return _Table(pd.DataFrame(records, columns=header, dtype=object), str(path), numbers=numbers)


def _read(source: Any, sheet: Union[str, int, None]) -> _Table:
    if isinstance(source, pd.DataFrame):
        return _Table(source, "DataFrame", labels=source.index, synthetic=bool(source.attrs.get("synthetic")))
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise AssessmentValidationError([ValidationIssue("file not found", file=name)], source=name)
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt", ".tsv"}:
            return _read_text(path, "\t" if suffix == ".tsv" else ",")
        if suffix in {".xlsx", ".xlsm"}:
            return _read_excel(path, sheet)
        if suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
            return _Table(frame, name, numbers=1 + np.arange(len(frame)))
    except Exception as exc:  # unreadable file: report it, no traceback for the user
        raise AssessmentValidationError([ValidationIssue(f"cannot read file: {exc}", file=name)],
                                        source=name) from exc
    raise AssessmentValidationError(
        [ValidationIssue(f"unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)", file=name)], source=name)


# ---------------------------------------------------------------------------------------------- columns
def _normalise(value: Any) -> Any:
    """One distinct identifier: strings stripped, whole floats as ints, blanks as None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (float, np.floating)):
        if value != value:
            return None
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _identifier(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (``-1`` for blank) and the distinct normalised identifiers, in order of first appearance."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    normalised = pd.Series([_normalise(v) for v in np.asarray(uniques, dtype=object)], dtype=object)
    merged, distinct = pd.factorize(normalised, use_na_sentinel=True)  # " A" and "A" are one identifier
    lookup = np.append(merged, -1)  # code -1 (missing) stays -1
    return lookup[codes], pd.Index(list(distinct), tupleize_cols=False)


def _blank(column: pd.Series) -> np.ndarray:
    """Rows whose cell is empty (missing or only white space), checked per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    blank_unique = np.array([isinstance(v, str) and v.strip() == "" for v in np.asarray(uniques, dtype=object)],
                            dtype=bool)
    return (codes == -1) | np.append(blank_unique, False)[codes]


def _parse_values(column: pd.Series) -> tuple[np.ndarray, list[tuple[int, str, Any]], np.ndarray]:
    """Numbers, problems ``(position, reason, value)`` and a mask of empty values."""
    n = len(column)
    if pd.api.types.is_bool_dtype(column.dtype):
        return np.full(n, np.nan), [(i, "value is a boolean, not a number", v) for i, v in enumerate(column)], \
            np.zeros(n, bool)
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        bad = np.flatnonzero(np.isinf(values))
        problems = [(int(i), "value is not finite", values[i]) for i in bad]
        empty = np.isnan(values)
        values[bad] = np.nan
        return values, problems, empty
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("boolean", "mixed"):
        is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in column), bool, count=n)
        numbers[is_bool] = np.nan
    else:
        is_bool = np.zeros(n, bool)
    empty = np.zeros(n, bool)
    problems: list[tuple[int, str, Any]] = []
    for i in np.flatnonzero(~np.isfinite(numbers)):  # only the rows that did not parse to a finite number
        raw = column.iat[i]
        if is_bool[i]:
            problems.append((int(i), "value is a boolean, not a number", raw))
        elif raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw) or (
                isinstance(raw, str) and raw.strip().lower() in _MISSING_STRINGS):
            empty[i] = True
        elif np.isinf(numbers[i]):
            problems.append((int(i), "value is not finite", raw))
        else:
            problems.append((int(i), "value is not a number", raw))
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers, problems, empty


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


# ---------------------------------------------------------------------------------------------- loading
def load_assessment(
    source: Any,
    *,
    task: str | None = "task",
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
        A ``.csv`` (leading lines starting with ``#`` are comments; one containing "synthetic" marks the data as
        synthetic), ``.xlsx``, ``.parquet`` file or a DataFrame (``attrs["synthetic"]`` marks it). An
        :class:`Assessment` is returned unchanged.
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
        A ``ValueError`` whose ``.issues`` (:class:`~challengelab.errors.ValidationIssue`) name the file, the row
        as the user sees it (CSV line, Excel row, Parquet row; for a DataFrame the index label in the reason),
        the column, the value and the reason: missing columns, non-numeric or infinite values, empty
        identifiers, duplicate algorithm x case combinations within a task, inconsistent directions.

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
    table = _read(source, sheet)
    table.frame = table.frame.rename(columns=lambda c: str(c).strip())
    if task is None:
        task = "task"
        table.frame = table.frame.assign(task="task")
    direction_column = smaller_is_better if isinstance(smaller_is_better, str) else None
    columns = {"task": task, "case": case, "algorithm": algorithm}
    _check_columns(table, [task, case, algorithm, value] + ([direction_column] if direction_column else []))
    blank = {name: _blank(table.frame[column]) for name, column in columns.items()}
    if table.numbers is not None:  # drop blank lines of a file but keep the line numbers of the others
        empty_line = np.logical_and.reduce([blank[n] for n in _IDENTIFIERS] + [_blank(table.frame[value])])
        if empty_line.any():
            table.drop(~empty_line)
            blank = {name: b[~empty_line] for name, b in blank.items()}
    if len(table.frame) == 0:
        raise AssessmentValidationError([table.issue(None, "the table has no rows")], source=table.name)
    issues = [table.issue(int(i), f"empty {column}", column) for name, column in columns.items()
              for i in np.flatnonzero(blank[name])]
    numbers, problems, empty = _parse_values(table.frame[value])
    issues += [table.issue(i, reason, value, raw) for i, reason, raw in problems]
    ids = {name: _identifier(table.frame[column]) for name, column in columns.items()}
    issues += _duplicates(table, ids)
    directions = _directions(table, ids["task"], direction_column, smaller_is_better, issues)
    if issues:
        raise AssessmentValidationError(issues, source=table.name)
    data, missing, matrices = _complete(ids, numbers, empty, directions)
    return Assessment(data, missing, directions, table.name, table.synthetic, matrices)


def _check_columns(table: _Table, required: list[str]) -> None:
    absent = [c for c in required if c not in table.frame.columns]
    if absent:
        raise AssessmentValidationError([table.issue(
            None, f"missing column(s) {absent}; available: {list(table.frame.columns)} (pass task=, case=, "
                  "algorithm=, value= to name the columns)")], source=table.name)


def _duplicates(table: _Table, ids: dict) -> list[ValidationIssue]:
    """One issue per task x case x algorithm given more than once (listing all its rows)."""
    codes = [ids[name][0].astype(np.int64) for name in _IDENTIFIERS]
    valid = np.logical_and.reduce([c >= 0 for c in codes])
    sizes = [len(ids[name][1]) + 1 for name in _IDENTIFIERS]
    key = (codes[0] * sizes[1] + codes[1]) * sizes[2] + codes[2]
    duplicated = pd.Series(key).duplicated(keep=False).to_numpy() & valid
    issues = []
    if not duplicated.any():
        return issues
    rows = np.flatnonzero(duplicated)
    for group in pd.Series(rows).groupby(key[rows], sort=False):
        positions = group[1].to_numpy()
        t, c, a = (ids[name][1][codes[j][positions[0]]] for j, name in enumerate(_IDENTIFIERS))
        where = ", ".join(f"row {table.numbers[p]}" if table.numbers is not None else f"index {table.labels[p]!r}"
                          for p in positions)
        issues.append(table.issue(int(positions[1]),
                                  f"duplicate result for algorithm {a!r}, case {c!r} in task {t!r} ({where})"))
    return issues


def _directions(table: _Table, task_ids: tuple, column: str | None, smaller_is_better: Any,
                issues: list[ValidationIssue]) -> dict:
    """Direction per task (issues appended for inconsistent flags or unknown tasks)."""
    codes, tasks = task_ids
    if column:
        flags = pd.DataFrame({"t": codes, "flag": table.frame[column].map(_as_bool).to_numpy()})
        directions = {}
        for t, part in flags[codes >= 0].groupby("t", sort=False)["flag"]:
            parsed = set(part.drop_duplicates())
            if None in parsed:
                issues.append(table.issue(None, f"task {tasks[t]!r}: direction flags must be true/false", column))
            elif len(parsed) > 1:
                issues.append(table.issue(None, f"task {tasks[t]!r}: direction flag differs between rows", column))
            else:
                directions[tasks[t]] = parsed.pop()
        return directions
    if isinstance(smaller_is_better, Mapping):
        unknown = [t for t in smaller_is_better if t not in tasks and str(t) not in map(str, tasks)]
        if unknown:
            issues.append(table.issue(None, f"smaller_is_better names unknown task(s) {unknown}"))
        by_str = {str(k): bool(v) for k, v in smaller_is_better.items()}
        return {t: by_str.get(str(t), False) for t in tasks}
    return {t: bool(smaller_is_better) for t in tasks}


def _complete(ids: dict, values: np.ndarray, empty: np.ndarray, directions: dict):
    """Complete every task to the full algorithm x case grid; the matrices, the long table and the missing list."""
    (t_code, tasks), (c_code, cases), (a_code, algorithms) = (ids[name] for name in _IDENTIFIERS)
    order = np.argsort(t_code, kind="stable")
    bounds = np.searchsorted(t_code[order], np.arange(len(tasks) + 1))
    matrices, cells, absent = [], [], []
    for t, task in enumerate(tasks):
        rows = order[bounds[t]:bounds[t + 1]]
        ci, case_ids = pd.factorize(c_code[rows])  # local codes, global ids in order of first appearance
        ai, alg_ids = pd.factorize(a_code[rows])
        matrix = np.full((len(case_ids), len(alg_ids)), np.nan)
        matrix[ci, ai] = values[rows]
        present = np.zeros(matrix.shape, bool)
        present[ci, ai] = True
        matrices.append(TaskMatrix(task, np.asarray(cases[case_ids], dtype=object),
                                   np.asarray(algorithms[alg_ids], dtype=object), matrix,
                                   bool(directions.get(task, False))))
        grid_a, grid_c = np.divmod(np.arange(matrix.size), len(case_ids))  # algorithm-major, like the table
        cells.append((np.full(matrix.size, t), case_ids[grid_c], alg_ids[grid_a], matrix.T.ravel()))
        miss_a, miss_c = np.nonzero(~present.T)
        absent.append((np.full(len(miss_a), t), case_ids[miss_c], alg_ids[miss_a]))
    data = _frame([np.concatenate(part) for part in zip(*cells)], (tasks, cases, algorithms))
    data["value"] = np.concatenate([c[3] for c in cells])
    rows = np.flatnonzero(empty)
    empty_part = (t_code[rows], c_code[rows], a_code[rows])
    missing = _frame([np.concatenate([e] + [p[j] for p in absent]) for j, e in enumerate(empty_part)],
                     (tasks, cases, algorithms))
    missing["reason"] = np.repeat(["empty", "absent"], [len(rows), len(missing) - len(rows)])
    return data, missing, matrices


def _frame(codes: list[np.ndarray], categories: tuple) -> pd.DataFrame:
    """``task``, ``case``, ``algorithm`` as categoricals from codes into the distinct identifiers."""
    return pd.DataFrame({name: pd.Categorical.from_codes(code, categories=cats)
                         for name, code, cats in zip(_IDENTIFIERS, codes, categories)})
