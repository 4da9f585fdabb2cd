"""A report as plain data: sections of paragraphs, tables, figures and notes.

The builders (:mod:`challengelab.report.build`, :mod:`challengelab.report.ranking`) assemble a :class:`Report`;
the writers (:mod:`~challengelab.report.html`, :mod:`~challengelab.report.excel`,
:mod:`~challengelab.report.markdown`, :mod:`~challengelab.report.pdf`) render the same object, so every format
shows the same tables.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal, Union

import pandas as pd

from challengelab.tables.format import Kind, column_kind, format_cell, human_header


@dataclass
class Paragraph:
    """Prose. ``text`` is plain text (escaped by every writer); ``emphasis`` renders it as a lead paragraph."""

    text: str
    emphasis: bool = False
    heading: str | None = None  # a run-in heading, shown in bold before the text


@dataclass
class Notice:
    """A highlighted box: ``warning`` (model problems, suppressed cells), ``synthetic`` (banner) or ``info``."""

    text: str
    kind: Literal["warning", "synthetic", "info"] = "info"
    title: str | None = None


@dataclass
class KeyValues:
    """A two-column list of facts (dataset summary, reproducibility)."""

    rows: list[tuple[str, str]]
    name: str | None = None  # when set, also exported as an Excel sheet / CSV
    title: str | None = None


@dataclass
class Code:
    """A command or configuration, shown verbatim."""

    text: str
    title: str | None = None


@dataclass
class Table:
    """A result table exactly as the library returned it (after small-cell suppression).

    ``name`` is the sheet name / CSV file stem (unique within a report); ``kinds`` maps columns to a display
    kind (see :data:`Kind`); unlisted columns are inferred from their dtype.
    """

    name: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    kinds: dict[str, Kind] = field(default_factory=dict)
    #: HTML, Markdown and PDF show at most this many rows (the workbook and CSV always hold every row).
    display_rows: int | None = None
    #: Columns shown on a page (default: all but ``suppressed``/``note`` when no row is suppressed); the
    #: workbook and CSV always hold every column.
    display_columns: list[str] | None = None
    #: Header words for columns the shared :data:`~challengelab.tables.format.HEADERS` do not know (e.g. codebook
    #: labels); the workbook and CSV keep the column names.
    labels: dict[str, str] = field(default_factory=dict)
    #: False for long listings (pairwise tests, every algorithm's interval): HTML, Markdown and PDF then name the
    #: sheet and CSV file that hold the table instead of printing it.
    on_page: bool = True

    def shown(self) -> tuple[pd.DataFrame, str]:
        """The rows and columns to show on a page, and a note when rows were left out."""
        frame = self.frame
        if self.display_columns is not None:
            columns = [c for c in self.display_columns if c in frame.columns]
        else:
            columns = list(frame.columns)
            if "suppressed" in frame.columns and not frame["suppressed"].fillna(False).astype(bool).any():
                columns = [c for c in columns if c != "suppressed"
                           and not (c == "note" and frame["note"].isna().all())]
        if "suppressed" in frame.columns and frame["suppressed"].fillna(False).astype(bool).any() \
                and "note" in frame.columns and "note" not in columns:
            columns.append("note")
        frame = frame[columns]
        if self.display_rows is None or len(frame) <= self.display_rows:
            return frame, ""
        return (frame.head(self.display_rows),
                f"First {self.display_rows} of {len(self.frame):,} rows; the Excel workbook has every row.")

    def suppressed_rows(self) -> list[bool]:
        if "suppressed" not in self.frame.columns:
            return [False] * len(self.frame)
        return self.frame["suppressed"].fillna(False).astype(bool).tolist()

    def kind(self, column: str) -> Kind:
        """The display kind of ``column``: :attr:`kinds`, else :func:`challengelab.tables.format.column_kind`."""
        if column in self.kinds:
            return self.kinds[column]
        return column_kind(column, self.frame[column])

    def header(self, column: str) -> str:
        """The column's header for people (:func:`challengelab.tables.format.human_header` with :attr:`labels`)."""
        return human_header(column, self.labels)


@dataclass
class Figure:
    """A plotly figure. ``name`` names the PNG beside the Markdown report and the HTML element id."""

    name: str
    title: str
    figure: object  # plotly.graph_objects.Figure
    caption: str = ""


Block = Union[Paragraph, Notice, KeyValues, Code, Table, Figure]


@dataclass
class Section:
    """A numbered section of the report; ``anchor`` is its id in the HTML table of contents."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    anchor: str = ""

    def __post_init__(self) -> None:
        if not self.anchor:
            self.anchor = slug(self.title)

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(b for b in blocks if b is not None)
        return self


@dataclass
class Report:
    """A whole report: title, optional synthetic-data banner, sections, and facts for the README sheet."""

    title: str
    sections: list[Section]
    subtitle: str = ""
    synthetic: bool = False
    synthetic_text: str = ("SYNTHETIC DATA: this report was made from simulated survey answers, not from real "
                           "teams. Do not cite its numbers as findings.")
    readme: list[tuple[str, str]] = field(default_factory=list)
    generated: str = ""  # ISO timestamp shown in the header
    #: How many sections come before the table of contents (1: the key results open the report, on the first
    #: page of the PDF; 0: the contents come first).
    contents_after: int = 0

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def check(self) -> None:
        """Raise ValueError on duplicate table/figure names (they become sheet and file names)."""
        for what, names in (("table", [t.name for t in self.tables()]),
                            ("figure", [f.name for f in self.figures()])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"duplicate {what} names in report: {', '.join(dup)}")


def slug(text: str) -> str:
    """Lower-case ASCII identifier for anchors and file names."""
    out = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return out or "item"


def filename(text: str) -> str:
    """A safe file name stem: lower-case letters, digits, ``_`` and ``-`` only."""
    out = re.sub(r"[^a-z0-9_-]+", "_", str(text).lower()).strip("_-")
    return out or "item"


# --- value formatting shared by the HTML and Markdown writers ---------------------------------------------------


def format_value(value: object, kind: Kind) -> str:
    """A cell as text for HTML/Markdown/PDF, by the rules of :mod:`challengelab.tables.format` (Excel gets the
    raw value and a number format instead).

    >>> format_value(0.0000373, "p"), format_value(float("inf"), "ratio"), format_value(12.5, "percent")
    ('< 0.001', 'infinite', '12.5%')
    """
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (AttributeError, ValueError):
            pass
    if kind == "text" and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return format_cell(value, kind)
