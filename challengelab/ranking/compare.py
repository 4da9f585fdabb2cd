"""Comparing rankings: Kendall's tau-b and Spearman's footrule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["kendall_tau", "spearman_footrule", "task_agreement"]


def _paired(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        x, y = x.align(y, join="inner")
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("x and y must be 1-D and of the same length")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


def kendall_tau_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kendall's tau-b between every row of ``a (B, k)`` and ``b (k,)``; NaN when either has only ties."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    b = np.asarray(b, dtype=float)
    i, j = np.triu_indices(a.shape[-1], 1)
    sa = np.sign(a[:, i] - a[:, j])
    sb = np.sign(b[i] - b[j])
    numerator = (sa * sb).sum(axis=-1)
    denominator = np.sqrt((sa != 0).sum(axis=-1) * float((sb != 0).sum()))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def kendall_tau(x: Any, y: Any) -> float:
    """Kendall's tau-b between two rankings (or any two score vectors).

    Pairs with a missing value are dropped (Series are aligned on their index first). The result is NaN when
    fewer than two pairs remain or when either ranking ties every algorithm (tau-b is undefined then).

    Examples
    --------
    >>> from challengelab.ranking import kendall_tau
    >>> round(kendall_tau([1, 2, 3, 4], [2, 1, 3, 4]), 6)
    0.666667
    >>> round(kendall_tau([1, 1, 3, 4], [1, 2, 3, 4]), 6)
    0.912871
    """
    a, b = _paired(x, y)
    if len(a) < 2:
        return float("nan")
    return float(kendall_tau_rows(a[None, :], b)[0])


def spearman_footrule(x: Any, y: Any, normalize: bool = False) -> float:
    """Spearman's footrule ``sum |x_i - y_i|`` between two rankings.

    With ``normalize=True`` the distance is divided by its maximum for ``n`` items (``floor(n^2 / 2)``), so it
    lies in [0, 1].

    Examples
    --------
    >>> from challengelab.ranking import spearman_footrule
    >>> spearman_footrule([1, 2, 3, 4], [2, 1, 3, 4])
    2.0
    >>> spearman_footrule([1, 2, 3, 4], [4, 3, 2, 1], normalize=True)
    1.0
    """
    a, b = _paired(x, y)
    distance = float(np.abs(a - b).sum())
    if normalize:
        maximum = (len(a) ** 2) // 2
        return distance / maximum if maximum else float("nan")
    return distance


def task_agreement(ranks: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau-b and Spearman's footrule between every pair of tasks.

    Parameters
    ----------
    ranks : DataFrame
        ``task``, ``algorithm``, ``rank`` (e.g. from :func:`rank`). Each pair of tasks is compared on the
        algorithms they share.

    Returns
    -------
    DataFrame
        ``task``, ``other_task``, ``n_algorithms``, ``kendall_tau``, ``footrule`` (both orders of every pair
        and the diagonal, convenient for a heatmap or a dendrogram).

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import task_agreement
    >>> r = pd.DataFrame({"task": ["T1"] * 3 + ["T2"] * 3, "algorithm": list("ABC") * 2,
    ...                   "rank": [1, 2, 3, 2, 1, 3]})
    >>> task_agreement(r).query("task == 'T1' and other_task == 'T2'")["kendall_tau"].round(4).tolist()
    [0.3333]
    """
    wide = ranks.pivot_table(index="algorithm", columns="task", values="rank", aggfunc="first", sort=False)
    tasks = list(pd.unique(ranks["task"]))
    rows = []
    for t in tasks:
        for u in tasks:
            a, b = _paired(wide[t].to_numpy(), wide[u].to_numpy())
            rows.append({"task": t, "other_task": u, "n_algorithms": len(a),
                         "kendall_tau": kendall_tau(a, b) if len(a) >= 2 else np.nan,
                         "footrule": float(np.abs(a - b).sum())})
    return pd.DataFrame(rows)
