"""Validation problems: where each one is (file, sheet, row, column) and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found while validating input (a survey or per-case assessment results).

    ``row`` is the row number as the user sees it: the Excel row (header = row 1) or the CSV line number.
    It is ``None`` for problems of a whole table or column.
    """

    reason: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "(survey)"

    def __str__(self) -> str:
        shown = "" if self.value is None else f" (value: {self.value!r})"
        return f"{self.severity}: {self.location}: {self.reason}{shown}"


def issues_frame(issues: Iterable[ValidationIssue]) -> pd.DataFrame:
    """The issues as a tidy table (``severity, file, sheet, row, column, value, reason``)."""
    columns = ["severity", "file", "sheet", "row", "column", "value", "reason"]
    rows = [{**asdict(issue), "value": None if issue.value is None else str(issue.value)} for issue in issues]
    frame = pd.DataFrame(rows, columns=columns)
    frame["row"] = frame["row"].astype("Int64")
    return frame


class ValidationError(ValueError):
    """Input could not be accepted: ``.issues`` lists every problem (a :class:`ValidationIssue`), with its location.

    The base of :class:`SurveyValidationError` and ``challengelab.ranking.AssessmentValidationError``.
    """

    #: Issues listed in the message (all of them stay in ``.issues``).
    MAX_LISTED = 50

    def __init__(self, issues: Iterable[ValidationIssue], *, source: str | None = None, what: str = "the input"):
        self.issues = list(issues)
        self.source = source
        errors = self.errors or self.issues
        head = f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in {source or what}"
        listing = "\n".join(f"  - {issue}" for issue in errors[: self.MAX_LISTED])
        more = f"\n  ... and {len(errors) - self.MAX_LISTED} more" if len(errors) > self.MAX_LISTED else ""
        super().__init__(f"{head}:\n{listing}{more}")

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    def to_frame(self) -> pd.DataFrame:
        """All issues as a DataFrame (see :func:`issues_frame`)."""
        return issues_frame(self.issues)


class SurveyValidationError(ValidationError):
    """A survey could not be loaded: ``.issues`` lists every problem, with its location.

    ``.rows_in``, ``.rows_accepted`` and ``.rows_rejected`` count data rows per table, so that
    ``rows_in == rows_accepted + rows_rejected`` holds for every table.
    """

    def __init__(self, issues: list[ValidationIssue], *, source: str | None = None,
                 row_counts: dict[str, dict[str, int]] | None = None):
        super().__init__(issues, source=source, what="the survey")
        self.row_counts = row_counts or {}
