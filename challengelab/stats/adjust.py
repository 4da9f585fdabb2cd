"""Multiplicity adjustment of p-values, as R ``p.adjust`` (the one implementation used by the package).

pingouin's ``multicomp`` was considered: it lacks Hochberg and Hommel and adjusts only 1-D arrays, so this
module implements R's formulas directly, vectorised over the rows of a 2-D array.
"""

from __future__ import annotations

import numpy as np

#: Accepted ``adjust=`` values (R names: holm, hochberg, hommel, bonferroni, BH, BY, none).
ADJUST_METHODS = ("holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by", "none")


def p_adjust(p, method: str, count_nan: bool = True) -> np.ndarray:
    """Adjusted p-values, as R ``p.adjust``; a 2-D array is adjusted row by row.

    Parameters
    ----------
    p : array_like, 1-D or 2-D
        p-values; a NaN stays NaN.
    method : {"holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by", "none"}
        ``fdr_bh`` is R's "BH" (Benjamini-Hochberg), ``fdr_by`` R's "BY" (Benjamini-Yekutieli).
    count_nan : bool
        True (default): a NaN counts as a test that was not significant, as R ``p.adjust(p, n = length(p))``
        with ``n`` given explicitly (the conservative choice: an untestable comparison still counts). False:
        only the non-missing p-values count, as R's ``p.adjust(p)`` (whose default ``n`` is evaluated after
        the NAs are removed).

    Returns
    -------
    numpy.ndarray
        Same shape as ``p``.

    Examples
    --------
    >>> from challengelab.stats.adjust import p_adjust
    >>> p_adjust([0.01, 0.02, 0.03, 0.04], "holm").round(4).tolist()
    [0.04, 0.06, 0.06, 0.06]
    >>> p_adjust([0.01, 0.02, 0.03, 0.04], "fdr_bh").round(4).tolist()
    [0.04, 0.04, 0.04, 0.04]
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {', '.join(ADJUST_METHODS)}, not {method!r}")
    p = np.asarray(p, dtype=float)
    if p.ndim not in (1, 2):
        raise ValueError(f"p must be a 1-D or 2-D array, not {p.ndim}-D")
    if method == "none" or p.shape[-1] == 0:
        return p.copy()
    rows = np.atleast_2d(p)
    nan = np.isnan(rows)
    missing = nan if not count_nan else np.zeros_like(nan)  # entries left out of the family
    m = (~missing).sum(axis=1, keepdims=True).astype(float)  # tests per row
    q = np.where(nan, 1.0, rows)
    if method == "bonferroni":
        out = np.minimum(1.0, q * m)
    elif method == "hommel":
        out = _hommel_rows(q, missing)
    else:
        out = _stepwise(q, missing, m, method)
    return np.where(nan, np.nan, out).reshape(p.shape)


def _stepwise(q: np.ndarray, missing: np.ndarray, m: np.ndarray, method: str) -> np.ndarray:
    """Holm, Hochberg, BH and BY, row by row, each row a family of its ``m`` non-missing p-values (the missing
    ones sort last and are masked)."""
    order = np.argsort(np.where(missing, np.inf, q), axis=1, kind="stable")
    s = np.take_along_axis(q, order, axis=1)
    i = np.arange(1, q.shape[1] + 1)[None, :].astype(float)
    present = i <= m
    if method == "holm":
        adjusted = np.maximum.accumulate(np.where(present, (m - i + 1) * s, 0.0), axis=1)
    else:
        if method == "hochberg":
            scaled = (m - i + 1) * s
        else:
            harmonic = np.concatenate([[0.0], np.cumsum(1.0 / i[0])])  # BY: the sum of 1/j for j <= m
            factor = 1.0 if method == "fdr_bh" else harmonic[m.astype(int)]
            scaled = factor * m / i * s
        scaled = np.where(present, scaled, np.inf)
        adjusted = np.flip(np.minimum.accumulate(np.flip(scaled, axis=1), axis=1), axis=1)
    out = np.empty_like(q)
    np.put_along_axis(out, order, np.minimum(1.0, adjusted), axis=1)
    return out


def _hommel_rows(q: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Hommel's method on every row (rows with left-out entries one by one: Hommel has no masked form)."""
    out = np.full(q.shape, np.nan)
    complete = ~missing.any(axis=1)
    if complete.any():
        rows = q[complete]
        order = np.argsort(rows, axis=1, kind="stable")
        adjusted = np.empty_like(rows)
        np.put_along_axis(adjusted, order, _hommel(np.take_along_axis(rows, order, axis=1)), axis=1)
        out[complete] = adjusted
    for r in np.flatnonzero(~complete):
        keep = ~missing[r]
        if keep.any():
            row = q[r, keep]
            order = np.argsort(row, kind="stable")
            values = np.empty_like(row)
            values[order] = _hommel(row[order][None, :])[0]
            out[r, keep] = values
    return out


def _hommel(s: np.ndarray) -> np.ndarray:
    """Hommel's method on rows sorted increasingly (R's algorithm, vectorised over rows)."""
    n = s.shape[1]
    i = np.arange(1, n + 1)
    q = np.repeat((n * s / i).min(axis=1, keepdims=True), n, axis=1)
    pa = q.copy()
    for m in range(n - 1, 1, -1):
        n1 = n - m + 1  # positions 1..n-m+1 (i1) and n-m+2..n (i2)
        q1 = (m * s[:, n1:] / np.arange(2, m + 1)).min(axis=1, keepdims=True)
        q[:, :n1] = np.minimum(m * s[:, :n1], q1)
        q[:, n1:] = q[:, n1 - 1: n1]
        pa = np.maximum(pa, q)
    return np.maximum(pa, s)
