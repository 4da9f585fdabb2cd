"""Small-cell suppression: survey participants were promised aggregated, non-identifying reporting.

A breakdown (a row of a summary table) that rests on fewer than ``min_cell`` respondents is not shown: its
numbers are blanked and a ``suppressed`` flag and note say why. The dashboard and the report both call this,
so the rule is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

DEFAULT_MIN_CELL = 5
SUPPRESSED_NOTE = "suppressed: fewer than {min_cell} respondents"


def suppress_small_cells(table: pd.DataFrame, *, count: str = "n", min_cell: int = DEFAULT_MIN_CELL,
                         keep: Iterable[str] = ()) -> pd.DataFrame:
    """Blank every row of ``table`` whose ``count`` column is below ``min_cell``.

    Parameters
    ----------
    table : DataFrame
        A summary table with one row per breakdown cell.
    count : str, default "n"
        The column holding the number of respondents behind each row.
    min_cell : int, default 5
        Rows with fewer respondents are suppressed; 0 or 1 switches suppression off.
    keep : iterable of str
        Label columns that stay visible (e.g. ``item``, ``group``); every other column of a suppressed row
        becomes missing, ``count`` included.

    Returns
    -------
    DataFrame
        A copy with a boolean ``suppressed`` column and a ``note`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["a", "b"], "n": [12, 3], "share": [0.5, 1.0]})
    >>> suppress_small_cells(t, keep=["group"])[["group", "n", "share", "suppressed"]]
      group     n  share  suppressed
    0     a    12    0.5       False
    1     b  <NA>    NaN        True
    """
    if count not in table.columns:
        raise ValueError(f"suppress_small_cells: no count column {count!r} in the table")
    if min_cell < 0:
        raise ValueError("min_cell must be >= 0")
    out = table.copy()
    counts = pd.to_numeric(out[count], errors="coerce")
    small = (counts < min_cell).fillna(False).astype(bool) if min_cell > 1 else pd.Series(False, index=out.index)
    if small.any():
        keep = set(keep)
        if pd.api.types.is_integer_dtype(out[count]):
            out[count] = out[count].astype("Int64")
        for column in out.columns:
            if column not in keep:
                out[column] = out[column].mask(small)
    out["suppressed"] = small.to_numpy()
    previous = out["note"].astype(object) if "note" in table.columns else pd.Series(None, index=out.index,
                                                                                     dtype=object)
    out["note"] = previous.where(~small, SUPPRESSED_NOTE.format(min_cell=min_cell))
    return out
