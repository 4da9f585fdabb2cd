"""Small-cell suppression: survey participants were promised aggregated, non-identifying reporting.

A breakdown (a row of a summary table) that rests on fewer than ``min_cell`` respondents is not shown: its
numbers are blanked and a ``suppressed`` flag and note say why. The dashboard and the report both call this,
so the rule is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


# --- breakdowns and views that survive differencing ---------------------------------------------------------------

SMALL_COUNT_NOTE = "counts below {min_cell} not shown"
VIEW_REFUSED = ("not shown for this selection: it, or what it leaves out of the whole survey, holds fewer than "
                "{min_cell} {group}, so comparing it with another selection could reveal individual answers")


def suppress_breakdown(table: pd.DataFrame, *, count: str, total: int | str, min_cell: int = DEFAULT_MIN_CELL,
                       keep: Iterable[str] = (), counts: Iterable[str] | Mapping[str, str] = (),
                       derived: Iterable[str] = (),
                       complement: bool = True) -> pd.DataFrame:
    """Blank breakdown rows that rest on too few respondents *or leave too few out* (query-set-size control).

    A row is suppressed when ``count < min_cell`` or ``0 < total - count < min_cell``: a breakdown whose
    complement within the current view is small would give that complement's answers by subtraction from the
    view's total. A row covering the whole view (``count == total``) is not a breakdown and stays.

    Within shown rows, every column listed in ``counts`` whose value is ``1 .. min_cell - 1`` is blanked (and,
    with ``complement``, also when ``count - value`` is ``1 .. min_cell - 1``: "all but two said yes" tells the
    two's answer); the columns in ``derived`` (shares and intervals computed from those counts) are blanked with
    them, and the ``note`` says so.

    Parameters
    ----------
    table : DataFrame
        One row per breakdown cell.
    count : str
        Column with the number of respondents behind each row.
    total : int or str
        Size of the current view (the group the rows break down), or the column holding it per row.
    min_cell : int, default 5
        0 or 1 switches suppression off.
    keep : iterable of str
        Label columns that stay visible in suppressed rows.
    counts : iterable of str, or mapping of str to str
        Count columns (e.g. ``count``: respondents answering yes) blanked when small. A mapping gives each count
        the column of the group it counts within (``{"winners_with": "winners_total"}``), for the complement;
        by default that is ``count``.
    derived : iterable of str
        Columns computed from ``counts`` (e.g. ``share``, ``ci_low``, ``ci_high``), blanked with them.
    complement : bool, default True
        Also blank a count whose complement within its row (``count - value``) is small.

    Returns
    -------
    DataFrame
        A copy with a boolean ``suppressed`` column and a ``note`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["a", "b", "all"], "n": [35, 3, 38], "count": [20, 2, 22]})
    >>> out = suppress_breakdown(t, count="n", total=38, counts=["count"], keep=["group"])
    >>> out[["group", "n", "count", "suppressed"]]
      group     n  count  suppressed
    0     a  <NA>   <NA>        True
    1     b  <NA>   <NA>        True
    2   all    38     22       False
    """
    if count not in table.columns:
        raise ValueError(f"suppress_breakdown: no count column {count!r} in the table")
    if min_cell < 0:
        raise ValueError("min_cell must be >= 0")
    out = table.copy()
    n = pd.to_numeric(out[count], errors="coerce")
    size = pd.to_numeric(out[total], errors="coerce") if isinstance(total, str) else pd.Series(total, index=out.index)
    if min_cell <= 1:
        return _flagged(out, pd.Series(False, index=out.index), None, min_cell)
    rest = size - n
    small = ((n < min_cell) | ((rest > 0) & (rest < min_cell))).fillna(True).astype(bool)
    keep = set(keep)
    for column in out.columns:
        if column not in keep:
            out[column] = _blank(out[column], small)
    partial = pd.Series(False, index=out.index)
    within = dict(counts) if isinstance(counts, Mapping) else dict.fromkeys(counts, count)
    for column, group in within.items():
        values = pd.to_numeric(table[column], errors="coerce")
        tiny = small_counts(values, min_cell)
        if complement:
            tiny |= small_counts(pd.to_numeric(table[group], errors="coerce") - values, min_cell)
        tiny &= ~small
        out[column] = _blank(out[column], tiny)  # each count by its own size
        partial |= tiny
    for column in derived:  # what is computed from the counts goes with any of them
        if column in out.columns:
            out[column] = _blank(out[column], partial)
    return _flagged(out, small, partial, min_cell)


def _blank(column: pd.Series, mask: pd.Series) -> pd.Series:
    if not mask.any():
        return column
    if pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
        column = column.astype("Int64" if pd.api.types.is_integer_dtype(column) else "boolean")
    return column.mask(mask)


def _flagged(out: pd.DataFrame, small: pd.Series, partial: pd.Series | None, min_cell: int) -> pd.DataFrame:
    note = out["note"].astype(object) if "note" in out.columns else pd.Series(None, index=out.index, dtype=object)
    if partial is not None:
        note = note.where(~partial, SMALL_COUNT_NOTE.format(min_cell=min_cell))
    out["suppressed"] = small.to_numpy()
    out["note"] = note.where(~small, SUPPRESSED_NOTE.format(min_cell=min_cell) + " (or too few left out)")
    return out


def small_counts(values: pd.Series, min_cell: int = DEFAULT_MIN_CELL) -> pd.Series:
    """Which counts are too small to show: 1 to ``min_cell - 1`` (zero and missing are not; ``min_cell`` 0 or 1
    switches the rule off).

    >>> small_counts(pd.Series([0, 1, 4, 5, None]), 5).tolist()
    [False, True, True, False, False]
    """
    values = pd.to_numeric(values, errors="coerce")
    if min_cell <= 1:
        return pd.Series(False, index=values.index)
    return ((values >= 1) & (values < min_cell)).fillna(False).astype(bool)


def group_allowed(n: int, min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """May a group of ``n`` respondents be shown on its own (one task's respondents, the teams behind a model)?
    Only if it holds at least ``min_cell``; ``min_cell`` 0 or 1 switches the rule off.

    >>> group_allowed(4, 5), group_allowed(5, 5), group_allowed(1, 0)
    (False, True, True)
    """
    return min_cell <= 1 or n >= min_cell


def view_allowed(n_view: int, n_total: int, min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """May a filtered view (``n_view`` members of the described group, of ``n_total`` in the whole survey) be
    described? Only if it and its complement in the whole survey each hold at least ``min_cell``.

    This stops differencing a view against the whole survey. Two filtered views can still differ by a few
    respondents; :func:`view_allowed_by_blocks` stops that too.

    >>> view_allowed(37, 38, 5), view_allowed(38, 38, 5), view_allowed(20, 38, 5)
    (False, True, True)
    """
    return group_allowed(n_view, min_cell) and (n_view == n_total or group_allowed(n_total - n_view, min_cell))


def disclosure_blocks(members: pd.DataFrame, *, by: str = "task_category", min_cell: int = DEFAULT_MIN_CELL
                      ) -> pd.Series:
    """Group the tasks into blocks that each hold at least ``min_cell`` members of every described group.

    Parameters
    ----------
    members : DataFrame
        One row per task: ``task_id``, the ``by`` column, and one count column per described group (e.g.
        ``winners`` and ``others``: respondents of that group in the task).
    by : str
        The column whose values form the blocks; values with too few members are merged into one block, and
        a merged block still too small joins the smallest large block.

    Returns
    -------
    Series
        ``task_id`` -> block label.
    """
    groups = [c for c in members.columns if c not in ("task_id", by)]
    if min_cell <= 1:
        return pd.Series(members["task_id"].astype(str).to_numpy(), index=members["task_id"].to_numpy())
    sizes = members.groupby(by, observed=True, dropna=False)[groups].sum()
    large = sizes.index[(sizes >= min_cell).all(axis=1)]
    label = {value: str(value) if value in large else "(small values merged)" for value in sizes.index}
    merged = sizes.loc[[v for v in sizes.index if v not in large]].sum()
    if len(large) and len(large) < len(sizes) and ((merged > 0) & (merged < min_cell)).any():
        smallest = sizes.loc[large].sum(axis=1).idxmin()
        label = {v: (str(smallest) if b == "(small values merged)" else b) for v, b in label.items()}
    if not len(large):
        label = {v: "(all)" for v in label}
    return pd.Series([label[v] for v in members[by]], index=members["task_id"].to_numpy())


def view_allowed_by_blocks(view_tasks: Iterable, blocks: pd.Series) -> bool:
    """A view may be described only if it is a union of whole blocks (see :func:`disclosure_blocks`).

    Then any two shown views differ by whole blocks, each holding at least ``min_cell`` members of every
    group, so no difference of shown numbers isolates fewer respondents.
    """
    inside = pd.Series(blocks.index.isin(list(view_tasks)), index=blocks.index)
    per_block = inside.groupby(blocks.to_numpy()).agg(["all", "any"])
    return bool((per_block["all"] | ~per_block["any"]).all())


def survey_view_allowed(view, whole, *, min_cell: int = DEFAULT_MIN_CELL, by: str = "task_category") -> bool:
    """May the faces describe the filtered survey ``view`` of the survey ``whole``? One call for the dashboard.

    True when ``view`` is ``whole`` (no filter), or when both groups described (winners and other teams)
    pass :func:`view_allowed` and the view is a union of :func:`disclosure_blocks` built on ``by``.

    Examples
    --------
    >>> import challengelab
    >>> s = challengelab.example_survey()
    >>> everything_but_detection = [c for c in s.tasks["task_category"].cat.categories if c != "detection"]
    >>> survey_view_allowed(s.filter(task_category=everything_but_detection), s)
    False
    >>> survey_view_allowed(s.filter(task_category=["segmentation"]), s)
    True
    """
    if min_cell <= 1 or view is whole:
        return True
    winner_view, winner_all = view.responses["winner"].astype(bool), whole.responses["winner"].astype(bool)
    if len(view.responses) == len(whole.responses) and winner_view.sum() == winner_all.sum():
        return True
    for n_view, n_total in ((int(winner_view.sum()), int(winner_all.sum())),
                            (int((~winner_view).sum()), int((~winner_all).sum()))):
        if not view_allowed(n_view, n_total, min_cell):
            return False
    members = whole.tasks[["task_id", by]].copy()
    per_task = whole.responses.groupby("task_id", observed=True)["winner"].agg(["sum", "size"])
    members["winners"] = members["task_id"].map(per_task["sum"]).fillna(0).astype(int)
    members["others"] = (members["task_id"].map(per_task["size"]).fillna(0).astype(int) - members["winners"])
    return view_allowed_by_blocks(view.tasks["task_id"], disclosure_blocks(members, by=by, min_cell=min_cell))
