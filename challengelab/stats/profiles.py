"""Winner profile: what winners, other teams and everyone answered, item by item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from challengelab.stats._survey import (
    check_item,
    default_items,
    multi_select_columns,
    responses_of,
    wilson_interval,
)

PROFILE_COLUMNS = ["item", "level", "group", "n", "n_missing", "count", "share", "ci_low", "ci_high", "median",
                   "q1", "q3"]
GROUPS = ("winners", "others", "all")


def winner_profile(
    survey: Any,
    items: Sequence[str] | None = None,
    by: str | None = None,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Answers of winners vs. other teams vs. all teams, for every item.

    Binary items give one row per group with the share answering "yes"; categorical and ordinal items one
    row per level and group; multi-select items one row per option ("selected") and group. Shares come with
    Wilson score intervals. Numeric items give the median and quartiles (q1, q3; linear interpolation as
    R's default quantile type 7). Missing answers are left out per item and counted in ``n_missing``.

    Parameters
    ----------
    survey : Survey or pandas.DataFrame
        A :class:`challengelab.Survey` (or its ``responses`` table) with a ``winner`` column.
    items : list of str, optional
        Items to describe; default: every participant item of the codebook.
    by : str, optional
        A column to split by (e.g. ``"task_category"``); it becomes the first column of the result.
    ci_level : float
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] item, level, group, n, n_missing, count, share, ci_low, ci_high, median, q1, q3``;
        ``group`` is ``winners``, ``others`` or ``all``; ``n`` counts non-missing answers.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import winner_profile
    >>> d = pd.DataFrame({"winner": [True, False, False, True],
    ...                   "augmentation": pd.array([True, True, False, True], dtype="boolean")})
    >>> p = winner_profile(d, items=["augmentation"])
    >>> p.loc[p.group == "winners", "share"].item()
    1.0
    """
    responses, codebook = responses_of(survey)
    if "winner" not in responses.columns:
        raise ValueError("the responses need a 'winner' column")
    items = default_items(responses, codebook) if items is None else list(items)
    kinds = {name: check_item(name, responses, codebook) for name in items}
    if by is not None and by not in responses.columns:
        raise ValueError(f"cannot group by {by!r}: not a column of the survey responses")

    frames = []
    splits = [(None, responses)] if by is None else [
        (value, part) for value, part in responses.groupby(by, observed=True, sort=True, dropna=False)
    ]
    for value, part in splits:
        winner = part["winner"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        masks = {"winners": winner, "others": ~winner, "all": np.ones(len(part), dtype=bool)}
        rows = []
        for name in items:
            rows.extend(_item_rows(name, kinds[name], part, codebook, masks))
        frame = pd.DataFrame(rows, columns=["item", "level", "group", "n", "n_missing", "count", "median", "q1",
                                            "q3"])
        if by is not None:
            frame.insert(0, by, value)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    share = np.where(out["n"] > 0, out["count"] / out["n"].where(out["n"] > 0, 1), np.nan)
    low, high = wilson_interval(out["count"].fillna(0), out["n"], ci_level)
    categorical = out["count"].notna().to_numpy()
    out["share"] = np.where(categorical, share, np.nan)
    out["ci_low"] = np.where(categorical, low, np.nan)
    out["ci_high"] = np.where(categorical, high, np.nan)
    columns = ([by] if by is not None else []) + PROFILE_COLUMNS
    out = out[columns]
    out["n"] = out["n"].astype("int64")
    out["n_missing"] = out["n_missing"].astype("int64")
    out["count"] = out["count"].astype("Int64")
    return out


def _item_rows(name, kind, part, codebook, masks) -> list[tuple]:
    rows = []
    if kind == "multi_select":
        columns = multi_select_columns(name, part, codebook)
        for level, column in columns.items():
            values = part[column].astype("boolean")
            for group, mask in masks.items():
                v = values[mask]
                rows.append((name, level, group, int(v.notna().sum()), int(v.isna().sum()),
                             int(v.fillna(False).sum()), np.nan, np.nan, np.nan))
        return rows
    series = part[name]
    if kind == "binary":
        values = series.astype("boolean")
        for group, mask in masks.items():
            v = values[mask]
            rows.append((name, "yes", group, int(v.notna().sum()), int(v.isna().sum()), int(v.fillna(False).sum()),
                         np.nan, np.nan, np.nan))
    elif kind in ("categorical", "ordinal"):
        if codebook is not None and name in codebook:
            levels = list(codebook[name].levels)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            levels = list(series.cat.categories)
        else:
            levels = sorted(series.dropna().astype(str).unique())
        text = series.astype("string")
        for group, mask in masks.items():
            v = text[mask]
            n, missing = int(v.notna().sum()), int(v.isna().sum())
            counts = v.value_counts()
            for level in levels:
                rows.append((name, str(level), group, n, missing, int(counts.get(str(level), 0)), np.nan, np.nan,
                             np.nan))
    else:  # numeric
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        for group, mask in masks.items():
            v = values[mask].dropna()
            q1, median, q3 = (v.quantile([0.25, 0.5, 0.75]).to_numpy() if len(v) else (np.nan,) * 3)
            rows.append((name, None, group, len(v), int(mask.sum() - len(v)), None, median, q1, q3))
    return rows
