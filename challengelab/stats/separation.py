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
    rows = []
    for s in np.unique(strata):
        idx = strata == s
        xs, ys = x[idx], y[idx]
        cases, controls = xs[ys == 1], xs[ys == 0]
        if len(cases) and len(controls):
            rows.append((cases[:, None, :] - controls[None, :, :]).reshape(-1, x.shape[1]))
    return np.vstack(rows) if rows else np.empty((0, x.shape[1]))


def ranking_constraints(x: np.ndarray, rank: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Rows for the rank-ordered logit: every member of a rank group minus every member of the next one."""
    rows = []
    for s in np.unique(strata):
        idx = strata == s
        xs, rs = x[idx], rank[idx]
        levels = np.unique(rs)
        for better, worse in zip(levels[:-1], levels[1:], strict=True):
            a, b = xs[rs == better], xs[rs == worse]
            rows.append((a[:, None, :] - b[None, :, :]).reshape(-1, x.shape[1]))
    return np.vstack(rows) if rows else np.empty((0, x.shape[1]))


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
