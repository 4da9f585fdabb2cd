"""Detection of (quasi-)complete separation, where maximum-likelihood estimates are infinite.

Separation means some direction ``b`` of the coefficients never makes the fit worse and makes it better for at
least one observation: the log-likelihood keeps increasing as the coefficients go to infinity along ``b``.
It is found with one linear program (Konis 2007): maximise ``sum(A @ b)`` subject to ``A @ b >= 0`` and
``-1 <= b <= 1``, where each row of ``A`` says "this observation (pair) should be ordered this way". The
optimum is positive exactly when the data are separated; the nonzero components of ``b`` are the terms whose
estimates diverge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog


def separated_terms(constraints: np.ndarray, names: Sequence[str]) -> list[str]:
    """Terms whose maximum-likelihood estimates are infinite, given the constraint rows ``A`` (see module)."""
    a = np.asarray(constraints, dtype=float)
    if a.size == 0 or a.shape[1] == 0:
        return []
    a = a[np.any(a != 0, axis=1)]
    if len(a) == 0:
        return []
    a = np.unique(np.round(a, 12), axis=0)
    scale = np.abs(a).max(axis=0)
    scale[scale == 0] = 1.0
    a = a / scale
    res = linprog(-a.sum(axis=0), A_ub=-a, b_ub=np.zeros(len(a)), bounds=[(-1, 1)] * a.shape[1], method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * len(a):
        return []
    direction = res.x
    return [name for name, b in zip(names, direction, strict=True) if abs(b) > 1e-6]


def logistic_constraints(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows for ordinary logistic regression (include the intercept column in ``x``)."""
    return (2 * y - 1)[:, None] * x


def conditional_constraints(x: np.ndarray, y: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Rows for conditional logistic regression: every case minus every non-case of its stratum."""
    order = np.lexsort((-y, strata))  # within each stratum: cases first
    xs, ys, ss = x[order], y[order], strata[order]
    new = np.r_[True, (ss[1:] != ss[:-1]) | (ys[1:] != ys[:-1])]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, len(ys)])
    block_stratum, block_case = ss[starts], ys[starts] == 1
    # a case block followed by a non-case block of the same stratum
    pair = block_case[:-1] & ~block_case[1:] & (block_stratum[:-1] == block_stratum[1:])
    first, second = np.flatnonzero(pair), np.flatnonzero(pair) + 1
    return _block_differences(xs, starts[first], sizes[first], starts[second], sizes[second])


def ranking_constraints(x: np.ndarray, rank: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Rows for the rank-ordered logit: every member of a rank group minus every member of the next one."""
    order = np.lexsort((rank, strata))
    xs, rs, ss = x[order], rank[order], strata[order]
    new = np.r_[True, (ss[1:] != ss[:-1]) | (rs[1:] != rs[:-1])]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, len(rs)])
    same = np.flatnonzero(ss[starts][:-1] == ss[starts][1:])  # group g and g + 1 in the same stratum
    return _block_differences(xs, starts[same], sizes[same], starts[same + 1], sizes[same + 1])


def _block_differences(x, a_start, a_size, b_start, b_size) -> np.ndarray:
    """x[i] - x[j] for every i in block a and j in block b, for each pair of blocks (vectorised)."""
    counts = a_size * b_size
    if counts.sum() == 0:
        return np.empty((0, x.shape[1]))
    block = np.repeat(np.arange(len(counts)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    i = a_start[block] + local // b_size[block]
    j = b_start[block] + local % b_size[block]
    return x[i] - x[j]


def separation_warning(terms: Sequence[str], outcome: str) -> str:
    from challengelab.stats._design import format_terms

    what = "estimate is" if len(terms) == 1 else "estimates are"
    return (
        f"Separation: {format_terms(terms)} perfectly or almost perfectly predict(s) {outcome}, so the maximum-"
        f"likelihood {what} infinite; the reported number is where the optimiser stopped, not a finding. "
        "Use Firth-penalised regression or report the counts instead."
    )


def mark_separated(table, terms: Sequence[str], direction_sign: dict[str, float] | None = None):
    """Blank out diverged estimates: the estimate becomes +/-infinity and its inference NaN."""
    table = table.copy()
    for term in terms:
        sign = np.sign(table.loc[term, "estimate"]) if direction_sign is None else direction_sign[term]
        table.loc[term, ["std_error", "z", "p_value", "ci_low", "ci_high"]] = np.nan
        table.loc[term, "estimate"] = sign * np.inf
        table.loc[term, "odds_ratio"] = np.inf if sign > 0 else 0.0
    return table
