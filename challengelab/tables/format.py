"""Numbers and headers for people: one style for the report (HTML, Markdown, PDF, Excel) and the dashboard.

Rules, decided once:

- p-values: ``"< 0.001"`` below 0.001, otherwise three significant digits (``0.0500``, ``0.123``, ``1.00``);
- odds ratios and other ratios: two decimals below 10, one below 100, whole numbers above; intervals on the same
  scale as their estimate (``"0.61 to 7.72"``); an infinite value is the word ``"infinite"`` in text and an empty
  cell with a note in Excel (never a glyph or text in a numeric column);
- shares as whole percentages (``"63%"``), counts as integers with thousands separators;
- headers in words (``winners_with`` -> ``"Winners using"``), from :data:`HEADERS`, the codebook labels, or the
  column name with underscores as spaces.

Examples
--------
>>> format_p(0.000012), format_p(0.04999), format_p(1.0)
('< 0.001', '0.0500', '1.00')
>>> format_ratio(2.8332), format_interval(0.6407, float("inf"))
('2.83', '0.64 to infinite')
>>> human_header("winners_with")
'Winners using'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import pandas as pd

#: How a column is shown: p-value, ratio (odds ratio), share (0..1 as %), percent (already in %), int, coef
#: (a coefficient in -1..1 such as Kendall's tau: two decimals), num (any other number), text.
Kind = Literal["p", "ratio", "share", "percent", "int", "coef", "num", "text"]

#: Shown for a value that is missing or suppressed in a text cell.
EMPTY = ""
INFINITE = "infinite"
#: Excel number formats, one per kind (p-values stay numbers but read like the text rule).
EXCEL_FORMATS: dict[str, str] = {"p": '[<0.001]"< 0.001";0.000', "ratio": "0.00", "share": "0%", "percent": '0.0"%"',
                                 "int": "#,##0", "coef": "0.00", "num": "0.000"}

HEADERS: dict[str, str] = {
    "item": "Item id", "label": "Item", "level": "Level", "group": "Group", "term": "Term",
    "n": "Respondents", "count": "Count", "share": "Share", "ci_low": "CI low", "ci_high": "CI high",
    "median": "Median", "q1": "Lower quartile", "q3": "Upper quartile", "n_missing": "Missing answers",
    "winners_with": "Winners using", "winners_total": "Winners", "others_with": "Others using",
    "others_total": "Others", "odds_ratio": "Odds ratio", "or_ci_low": "OR CI low", "or_ci_high": "OR CI high",
    "p_value": "p", "p_adjusted": "p (adjusted)", "n_strata": "Informative tasks", "test": "Test", "note": "Note",
    "estimate": "Estimate (log-odds)", "std_error": "Std. error", "z": "z", "model": "Model", "outcome": "Outcome",
    "task_id": "Task", "challenge_id": "Challenge", "team_id": "Team", "task_category": "Task category",
    "modality": "Modality", "conference": "Conference", "year": "Year", "n_teams": "Teams on the leaderboard",
    "responses": "Responses", "response_rate": "Response rate", "rank": "Rank", "winner": "Winner",
    "suppressed": "Suppressed", "n_used": "Rows used", "n_dropped": "Rows dropped", "algorithm": "Algorithm",
    "task": "Task", "versus": "Versus", "score": "Score", "significant": "Significant",
    "published": "Published", "observed": "Observed", "difference": "Difference", "quantity": "Quantity",
    "population": "Population", "unit": "Unit", "source": "Source",
    "n_obs": "Rows used", "n_groups": "Groups (tasks)", "loglik": "Log-likelihood", "sigma": "Random-effect SD",
    "converged": "Converged", "warnings": "Warnings", "name": "Name",
}

_P_COLUMNS = ("p", "p_value", "p_adjusted", "p_adj", "p_unc", "pvalue")
_RATIO_COLUMNS = ("odds_ratio", "or_ci_low", "or_ci_high", "hazard_ratio", "ratio")
_SHARE_COLUMNS = ("share", "response_rate", "rate")


def _missing(value) -> bool:
    try:
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def format_p(p) -> str:
    """``"< 0.001"`` or three significant digits; empty for a missing value."""
    if _missing(p):
        return EMPTY
    p = float(p)
    if p < 0.001:
        return "< 0.001"
    return f"{min(p, 1.0):#.3g}"


def _finite_or_word(x) -> float | str:
    """``x`` as a float, or the text shown instead of it: empty when missing, the word for an infinite value."""
    if _missing(x):
        return EMPTY
    x = float(x)
    if math.isinf(x):
        return INFINITE if x > 0 else f"minus {INFINITE}"
    return x


def format_ratio(x) -> str:
    """An odds ratio (or any positive ratio): ``"2.83"``, ``"14.2"``, ``"1,234"``; ``"infinite"`` for inf."""
    x = _finite_or_word(x)
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def format_interval(low, high) -> str:
    """``"0.61 to 7.72"`` on the estimate's scale; empty when both ends are missing."""
    if _missing(low) and _missing(high):
        return EMPTY
    return f"{format_ratio(low) or '?'} to {format_ratio(high) or '?'}"


def format_share(x) -> str:
    """A share in 0..1 as a whole percentage: ``"63%"``."""
    return EMPTY if _missing(x) else f"{100 * float(x):.0f}%"


def format_count(x) -> str:
    """An integer with thousands separators (``8``, not ``8.0``)."""
    return EMPTY if _missing(x) else f"{int(round(float(x))):,}"


def format_number(x) -> str:
    """Any other number: three significant digits, no exponent for ordinary sizes."""
    x = _finite_or_word(x)
    if isinstance(x, str):
        return x
    if x != 0 and (abs(x) < 0.001 or abs(x) >= 1e6):
        return f"{x:.2e}"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def format_percent(x) -> str:
    """A number already in percent: ``"12.5%"`` (three significant digits, as :func:`format_number`)."""
    text = format_number(x)
    return f"{text}%" if text and not _missing(x) and math.isfinite(float(x)) else text


def format_coefficient(x) -> str:
    """A coefficient in -1..1 (Kendall's tau, a correlation) with two decimals, so a column reads evenly."""
    x = _finite_or_word(x)
    return x if isinstance(x, str) else f"{x:.2f}"


FORMATTERS = {"p": format_p, "ratio": format_ratio, "share": format_share, "percent": format_percent,
              "int": format_count, "coef": format_coefficient, "num": format_number}


def column_kind(column: str, series: pd.Series) -> Kind:
    """How a column is shown, from its name and dtype (ids and years stay text)."""
    lowered = str(column).lower()
    if lowered in ("year", "id", "rank") and not pd.api.types.is_float_dtype(series) or lowered.endswith("_id"):
        return "text" if lowered != "rank" else "int"
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not numeric:
        return "text"
    if lowered in _P_COLUMNS or lowered.startswith("p_"):
        return "p"
    if lowered in _RATIO_COLUMNS or lowered.endswith("_ratio"):
        return "ratio"
    if lowered in _SHARE_COLUMNS or lowered.endswith("_share") or lowered.endswith("_rate"):
        return "share"
    if "kendall_tau" in lowered or lowered in ("tau", "correlation"):
        return "coef"
    if pd.api.types.is_integer_dtype(series) or lowered in ("n", "count") or lowered.startswith("n_") \
            or lowered.endswith("_total") or lowered.endswith("_with"):
        return "int"
    return "num"


def human_header(column: str, labels: Mapping[str, str] | None = None) -> str:
    """A header in words: :data:`HEADERS`, then ``labels`` (e.g. codebook labels), then spaces for underscores."""
    if labels and column in labels:
        return labels[column]
    if column in HEADERS:
        return HEADERS[column]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def format_cell(value, kind: Kind) -> str:
    """One cell as text for people (booleans as yes/no, missing as empty)."""
    if _missing(value):
        return EMPTY
    if kind == "text":
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    try:
        return FORMATTERS[kind](value)
    except (TypeError, ValueError):
        return str(value)


def people_table(frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                 kinds: Mapping[str, Kind] | None = None) -> pd.DataFrame:
    """``frame`` as text for people: every cell formatted by its column's kind, headers in words.

    Examples
    --------
    >>> t = pd.DataFrame({"item": ["augmentation"], "odds_ratio": [float("inf")], "p_value": [0.0143]})
    >>> people_table(t).to_dict("records")
    [{'Item id': 'augmentation', 'Odds ratio': 'infinite', 'p': '0.0143'}]
    """
    kinds = dict(kinds or {})
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        kind = kinds.get(column) or column_kind(column, frame[column])
        out[human_header(column, labels)] = [format_cell(v, kind) for v in frame[column].tolist()]
    return out
