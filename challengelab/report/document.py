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

#: How a column is shown: ``int`` counts, ``share`` (0-1 shown as percent), ``percent`` (already 0-100),
#: ``p`` p-values, ``num`` (3 significant decimals), ``text``.
Kind = Literal["int", "share", "percent", "p", "num", "text"]


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
        if column in self.kinds:
            return self.kinds[column]
        series = self.frame[column]
        lowered = str(column).lower()
        if lowered in ("year", "id") or lowered.endswith("_id"):
            return "text"
        if lowered in ("p", "p_value", "p_adjusted", "p_adj", "p_unc", "pvalue") or lowered.startswith("p_"):
            if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
                return "p"
        if pd.api.types.is_bool_dtype(series):
            return "text"
        if pd.api.types.is_integer_dtype(series):
            return "int"
        if pd.api.types.is_float_dtype(series):
            if lowered in ("n", "count") or lowered.startswith("n_"):
                return "int"
            return "num"
        return "text"


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
    """A cell as text for HTML/Markdown (Excel gets the raw value and a number format instead)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if kind == "text":
            if isinstance(value, int) or float(value).is_integer():
                return str(int(value))
            kind = "num"
        if isinstance(value, float) and math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if kind == "int":
            return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        if kind == "share":
            return f"{100 * value:.1f}%"
        if kind == "percent":
            return f"{value:.1f}%"
        if kind == "p":
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.3f}"
    return str(value)
