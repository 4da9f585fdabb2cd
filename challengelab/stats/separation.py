"""Detection of (quasi-)complete separation, where maximum-likelihood estimates are infinite.

Separation means some direction ``b`` of the coefficients never makes the fit worse and makes it better for at
least one observation: the log-likelihood keeps increasing as the coefficients go to infinity along ``b``.
Each row of the constraint matrix ``A`` says "this observation (pair) should be ordered this way"; separating
directions satisfy ``A @ b >= 0`` with some row positive (Konis 2007). :func:`classify_separation` finds every
row that some such direction predicts perfectly (linear programs), then tells apart the terms that separate
(the likelihood rises with them going one way), terms that stay finite (identified by the other rows) and terms
that are not estimable. The models run it only when their Newton iterations diverge
(:func:`looks_separated`), so a regular fit never pays for the linear programs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog


@dataclass(frozen=True)
class Separation:
    """Which terms the (unpenalised) likelihood pushes to infinity, and which it leaves undetermined.

    ``direction`` maps each separating term to +1 or -1: the likelihood keeps rising as that coefficient goes
    to +/-infinity. ``not_estimable`` maps other terms to the reason they have no finite estimate. Every
    other term keeps a finite estimate (it is identified by the observations that are not perfectly
    predicted).
    """

    direction: dict[str, float] = field(default_factory=dict)
    not_estimable: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.direction)


def classify_separation(constraints: np.ndarray, names: Sequence[str]) -> Separation:
    """Separating and non-estimable terms, given the constraint rows ``A`` (see module).

    1. Linear programs find every row that some separating direction makes strictly positive ("perfectly
       predicted"); the other rows ``Z`` satisfy ``A_Z b = 0`` for every such direction.
    2. Directions that keep rising lie in the null space ``N`` of ``A_Z``. A term with no component in
       ``N`` is identified by the rows ``Z`` and keeps a finite estimate.
    3. A term with a component in ``N`` separates when all directions that keep rising move it the same way
       (two small linear programs over ``N``); otherwise it is not estimable.
    """
    names = list(names)
    a = _prepared(constraints)
    if a is None:
        return Separation()
    positive = _perfectly_predicted(a)
    if not positive.any():
        return Separation()
    null = _null_space(a[~positive], a.shape[1])
    cone = a[positive] @ null  # directions t with cone @ t >= 0 keep the likelihood rising
    everything = bool(positive.all())
    out = Separation()
    for j, name in enumerate(names):
        if np.max(np.abs(null[j]), initial=0.0) < 1e-8:
            continue
        high, low = _extreme(cone, null, j, +1), _extreme(cone, null, j, -1)
        if high > 1e-7 and low > -1e-7:
            out.direction[name] = 1.0
        elif low < -1e-7 and high < 1e-7:
            out.direction[name] = -1.0
        elif everything:
            out.not_estimable[name] = ("not estimable: the separating terms predict every observation "
                                       "perfectly, so no information is left about it")
        elif high > 1e-7:
            out.not_estimable[name] = ("not estimable: the likelihood keeps rising with this coefficient going "
                                       "either way, together with the separating terms")
        else:
            out.not_estimable[name] = ("not estimable: it varies only among observations that the separating "
                                       "terms already predict perfectly")
    return out


def separated_terms(constraints: np.ndarray, names: Sequence[str]) -> list[str]:
    """Names of the separating terms (see :func:`classify_separation`)."""
    return list(classify_separation(constraints, names).direction)


def _prepared(constraints: np.ndarray) -> np.ndarray | None:
    a = np.asarray(constraints, dtype=float)
    if a.size == 0 or a.shape[1] == 0:
        return None
    a = a[np.any(a != 0, axis=1)]
    if len(a) == 0:
        return None
    a = np.unique(np.round(a, 12), axis=0)
    scale = np.abs(a).max(axis=0)
    scale[scale == 0] = 1.0  # rescaling columns keeps signs and zero patterns of directions
    return a / scale


def _perfectly_predicted(a: np.ndarray) -> np.ndarray:
    """Rows that some direction with ``a @ b >= 0`` makes strictly positive (the union over directions)."""
    positive = np.zeros(len(a), dtype=bool)
    bounds = [(-1, 1)] * a.shape[1]
    for _ in range(a.shape[1] + 1):
        objective = -a[~positive].sum(axis=0)
        res = linprog(objective, A_ub=-a, b_ub=np.zeros(len(a)), bounds=bounds, method="highs")
        if res.status != 0 or -res.fun <= 1e-9 * max(1, (~positive).sum()):
            break
        new = (a @ res.x > 1e-9) & ~positive
        if not new.any():
            break
        positive |= new
    return positive


def _null_space(z: np.ndarray, p: int) -> np.ndarray:
    if len(z) == 0:
        return np.eye(p)
    _, s, vt = np.linalg.svd(z, full_matrices=True)
    rank = int((s > 1e-9 * max(1.0, s[0])).sum())
    return vt[rank:].T


def _extreme(cone: np.ndarray, null: np.ndarray, j: int, sign: float) -> float:
    """max (sign = +1) or min (sign = -1) of b_j over directions b = N t with cone @ t >= 0, |b| <= 1."""
    k = null.shape[1]
    a_ub = np.vstack([-cone, null, -null])
    b_ub = np.r_[np.zeros(len(cone)), np.ones(2 * len(null))]
    res = linprog(-sign * null[j], A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * k, method="highs")
    return float(null[j] @ res.x) if res.status == 0 else 0.0


def looks_separated(beta: np.ndarray, cov: np.ndarray, x: np.ndarray, converged: bool) -> bool:
    """Cheap check after a Newton fit: diverging estimates (huge on the scale of the predictor, or with a huge
    or undefined standard error). Only then is the linear program run to confirm separation."""
    if not converged:
        return True
    spread = np.ptp(x, axis=0) if len(x) else np.zeros(len(beta))
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(cov))
    if not np.all(np.isfinite(se)) or not np.all(np.isfinite(beta)):
        return True
    return bool(np.any(np.abs(beta) * spread > 10) or np.any(se * spread > 10))


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


def separation_warning(separation: Separation, outcome: str) -> str:
    from challengelab.stats._design import format_terms

    terms = list(separation.direction)
    what = "estimate is" if len(terms) == 1 else "estimates are"
    text = (f"Separation: {format_terms(terms)} perfectly or almost perfectly predict(s) {outcome}, so the maximum-"
            f"likelihood {what} infinite (shown as +/-inf, without inference). Use the Firth-penalised model "
            "(firth=True) or report the counts instead.")
    if separation.not_estimable:
        text += f" {format_terms(list(separation.not_estimable))}: " + "; ".join(
            dict.fromkeys(separation.not_estimable.values())) + " (shown as NaN)."
    return text


def mark_separated(table, separation: Separation):
    """Separating terms get +/-infinity and no inference; non-estimable terms get NaN throughout."""
    table = table.copy()
    inference = ["std_error", "z", "p_value", "ci_low", "ci_high"]
    for term, sign in separation.direction.items():
        table.loc[term, inference] = np.nan
        table.loc[term, "estimate"] = sign * np.inf
        table.loc[term, "odds_ratio"] = np.inf if sign > 0 else 0.0
    for term in separation.not_estimable:
        table.loc[term, [*inference, "estimate", "odds_ratio"]] = np.nan
    return table
