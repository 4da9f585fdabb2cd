"""Validation problems for people: follow-on problems grouped under their cause, each with its value.

A typo in one table makes every row that refers to it fail as well ("task_id 'C01-T1' is not in the tasks table"
for each of its responses). :func:`issue_groups` folds such rows into one line per (severity, sheet, column,
reason, value), lists their rows compactly, shows the offending value (from the issue, else the quoted or numeric
value the reason names) and writes whole numbers as integers (``8``, not ``8.0``).

Examples
--------
>>> from challengelab.errors import ValidationIssue
>>> issues = [ValidationIssue("task_id 'C01-T1' is not in the tasks table", sheet="responses", row=r,
...                           column="task_id") for r in (2, 3, 4, 7)]
>>> row = issue_groups(issues).iloc[0]
>>> row["rows"], row["value"], int(row["count"])
('2–4, 7', 'C01-T1', 4)
>>> issue_groups([ValidationIssue("rank 99 exceeds n_teams (8.0)", sheet="responses", row=3,
...                               column="rank")]).iloc[0][["value", "problem"]].tolist()
['99', 'rank 99 exceeds n_teams (8)']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

COLUMNS = ["severity", "file", "sheet", "column", "rows", "value", "problem", "count"]
_WHOLE = re.compile(r"(?<![\d.])(-?\d+)\.0(?![\d.])")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def whole_numbers(text: str) -> str:
    """``"8.0"`` -> ``"8"`` inside a text (other decimals unchanged).

    >>> whole_numbers("rank 99 exceeds n_teams (8.0); share 0.5")
    'rank 99 exceeds n_teams (8); share 0.5'
    """
    return _WHOLE.sub(r"\1", str(text))


def issue_value(issue) -> str:
    """The offending value: the issue's own, else the quoted key its reason names (all values of a quoted tuple,
    ``"('T1', 'T1-a') appears again"`` -> ``"T1, T1-a"``), else the first quoted value, else the first number
    after the column name (``"rank 99 exceeds ..."`` -> ``"99"``); empty when none is named."""
    if issue.value is not None and str(issue.value) != "":
        return whole_numbers(str(issue.value))
    reason = str(issue.reason)
    for group in re.findall(r"\(([^()]*)\)", reason):  # a quoted tuple names a key: show all of it
        values = [a if a else b for a, b in _QUOTED.findall(group)]
        if len(values) > 1:
            return ", ".join(values)
    quoted = _QUOTED.search(reason)
    if quoted:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    if issue.column:
        number = re.match(rf"\s*{re.escape(str(issue.column))}\s+(-?\d+(?:\.\d+)?)", reason)
        if number:
            return whole_numbers(number.group(1))
    return ""


def compact_rows(rows: Sequence[int | None]) -> str:
    """``[2, 3, 4, 7]`` -> ``"2–4, 7"``; empty for problems of a whole table.

    >>> compact_rows([7, 2, 3, 4, None])
    '2–4, 7'
    """
    numbers = sorted({int(r) for r in rows if r is not None and not pd.isna(r)})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def issue_groups(issues: Iterable) -> pd.DataFrame:
    """One row per cause: ``severity, file, sheet, column, rows, value, problem, count``, errors first, in the
    order the validator found them."""
    groups: dict[tuple, dict] = {}
    for issue in issues:
        problem = whole_numbers(issue.reason)
        value = issue_value(issue)
        key = (issue.severity, issue.file or "", issue.sheet or "", issue.column or "", problem, value)
        group = groups.setdefault(key, {"severity": issue.severity, "file": issue.file or "",
                                        "sheet": issue.sheet or "", "column": issue.column or "", "rows": [],
                                        "value": value, "problem": problem, "count": 0})
        group["rows"].append(issue.row)
        group["count"] += 1
    frame = pd.DataFrame(list(groups.values()), columns=COLUMNS)
    frame["rows"] = frame["rows"].map(compact_rows)
    frame["count"] = frame["count"].astype(int)
    order = frame["severity"].map({"error": 0}).fillna(1)
    return frame.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order") \
        .reset_index(drop=True)
