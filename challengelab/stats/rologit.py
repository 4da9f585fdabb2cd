"""Rank-ordered (exploded) logit, a.k.a. Plackett–Luce: the stratified Cox partial likelihood of the ranking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from challengelab.stats._design import (
    as_list,
    check_columns,
    complete_cases,
    design_matrix,
    format_terms,
    missing_rows_warning,
    newton,
    stratified_terms,
)
from challengelab.stats._result import ModelResult, safe_inverse, wald_table
from challengelab.stats.separation import (
    mark_separated,
    ranking_constraints,
    separated_terms,
    separation_warning,
)


def rank_ordered_logit(
    data: pd.DataFrame,
    rank: str,
    predictors: str | Sequence[str],
    strata: str,
    ties: Literal["efron", "breslow"] = "efron",
    ci_level: float = 0.95,
) -> ModelResult:
    """Rank-ordered logit (Plackett–Luce) of a ranking within strata.

    The ranking is "exploded" into a sequence of choices: the first-ranked row is chosen among all rows of
    its stratum, the second among the remaining ones, and so on. This is the stratified Cox partial
    likelihood with the rank as event time and every row an event, as R
    ``survival::coxph(Surv(rank, event) ~ x + strata(s), ties = ...)``. Tied ranks are handled by Efron's
    (default, R's default) or Breslow's approximation. Lower rank = better; positive coefficients mean
    "associated with a better rank".

    Parameters
    ----------
    data : pandas.DataFrame
    rank : str
        Numeric rank column (1 = best; ties allowed).
    predictors : str or list of str
        Numeric, boolean or categorical columns.
    strata : str
        Column identifying the rankings (e.g. the task).
    ties : {"efron", "breslow"}
    ci_level : float

    Returns
    -------
    ModelResult

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import rank_ordered_logit
    >>> d = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2], "rank": [1, 2, 3, 1, 2, 2],
    ...                   "x": [1.0, 0.5, 0.0, 0.0, 1.0, 0.2]})
    >>> fit = rank_ordered_logit(d, "rank", "x", "task")
    >>> fit.n_groups
    2
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    predictors = as_list(predictors)
    check_columns(data, [rank, *predictors, strata])
    complete, n_missing = complete_cases(data, [rank, *predictors, strata])
    try:
        times = complete[rank].astype("float64").to_numpy()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rank column {rank!r} must be numeric") from exc
    design = design_matrix(complete, predictors)
    codes = pd.factorize(complete[strata], sort=True)[0]
    sizes = np.bincount(codes)
    keep = sizes[codes] > 1
    n_single = int((sizes == 1).sum())
    if not keep.any():
        raise ValueError(f"every stratum of {strata!r} has a single row; there is nothing to rank")
    x, times, codes = design.matrix[keep], times[keep], pd.factorize(codes[keep])[0]

    warnings = missing_rows_warning(n_missing, [rank, *predictors, strata])
    if n_single:
        warnings.append(f"{n_single} stratum/strata of {strata} with a single row carry no information and "
                        "were dropped.")
    xu, names = stratified_terms(design, x, codes, strata, warnings)

    fun = _partial_likelihood(xu, times, codes, ties)
    beta, ll, grad, hess, converged, _ = newton(fun, np.zeros(len(names)))
    cov = safe_inverse(-hess)
    separated = separated_terms(ranking_constraints(xu, times, codes), names)
    if separated:
        warnings.append(separation_warning(separated, f"the order of {rank}"))
    if not converged:
        warnings.append("The optimiser did not reach a point with zero gradient; estimates are unreliable.")

    table = mark_separated(wald_table(names, beta, cov, ci_level), separated).reindex(design.names)
    table.index.name = "term"
    n_strata = int(codes.max()) + 1
    n_tied = int(len(times) - len(np.unique(np.column_stack([codes, times]), axis=0)))
    method = (
        f"Rank-ordered (exploded) logit, also called the Plackett-Luce model, of {rank} on "
        f"{format_terms(design.names)} within each {strata}: the best-ranked row is modelled as chosen among all "
        f"rows of its {strata}, the next among the rest, and so on, so the whole ranking is used and rows are "
        f"compared only with rows of the same {strata}. It is the stratified Cox partial likelihood with the "
        f"rank as event time (as R survival::coxph(Surv({rank}, event) ~ ... + strata({strata}))), maximised by "
        f"Newton-Raphson; {n_tied} tied rank(s) were handled with {ties.capitalize()}'s approximation. The fit "
        f"used {len(times)} rows in {n_strata} strata; confidence intervals ({ci_level:.0%}) and p-values are "
        "Wald-type. Coefficients are log odds of being ranked ahead; positive values mean a better rank."
    )
    return ModelResult(
        table=table, n_obs=len(times), n_groups=n_strata, loglik=float(ll), converged=converged,
        warnings=warnings, method=method, model="rank_ordered_logit", n_missing=n_missing,
        vcov=pd.DataFrame(cov, index=names, columns=names),
    )


def _partial_likelihood(x: np.ndarray, times: np.ndarray, codes: np.ndarray, ties: str):
    """Stratified Cox partial log-likelihood (every row an event), gradient and Hessian in O(N p^2).

    Rows sorted by (stratum, time). A "group" is the set of rows with the same stratum and time (tied
    events, d of them); its risk set is every row of the stratum with a time at least as large. Hessian terms
    of the form sum_g a_g * sum_{i in risk(g)} w_i x_i x_i' are rearranged as sum_i w_i A_i x_i x_i' with
    A_i = sum of a_g over the groups whose risk set contains row i, so no p x p matrix per row is stored.
    """
    order = np.lexsort((times, codes))
    x, times, codes = x[order], times[order], codes[order]
    n, p = x.shape
    new_group = np.r_[True, (codes[1:] != codes[:-1]) | (times[1:] != times[:-1])]
    group = np.cumsum(new_group) - 1
    n_groups = group[-1] + 1
    first = np.flatnonzero(new_group)
    d = np.bincount(group)
    g_stratum = codes[first]
    stratum_end = np.r_[np.flatnonzero(codes[1:] != codes[:-1]), n - 1]  # last row of each stratum
    end_of_row = stratum_end[codes]
    x_sum = x.sum(axis=0)
    max_d = int(d.max())
    efron = ties == "efron"
    g_start = np.r_[True, g_stratum[1:] != g_stratum[:-1]]

    def rev_cumsum(v):
        c = np.cumsum(v[::-1], axis=0)[::-1]
        c = np.concatenate([c, np.zeros((1, *v.shape[1:]))])
        return c[:-1] - c[end_of_row + 1]

    def fun(beta: np.ndarray):
        eta = x @ beta
        smax = np.maximum.reduceat(eta, np.r_[0, stratum_end[:-1] + 1])
        eta_s = eta - smax[codes]
        w = np.exp(eta_s)
        wx = w[:, None] * x
        r0 = rev_cumsum(w)[first]
        r1 = rev_cumsum(wx)[first]
        d0 = np.add.reduceat(w, first)  # rows are sorted by group
        d1 = np.add.reduceat(wx, first, axis=0)
        a = np.zeros(n_groups)
        b = np.zeros(n_groups)
        logden = 0.0
        outer = np.zeros((p, p))
        for ell in range(max_d):
            live = d > ell
            f = np.where(live, ell / d, 0.0) if efron else np.zeros(n_groups)
            den = np.where(live, r0 - f * d0, 1.0)
            a += live / den
            b += live * f / den
            logden += np.log(den[live]).sum()
            v = (r1 - f[:, None] * d1)[live] / den[live][:, None]
            outer += v.T @ v
        # A_i: cumulative sum of a over the groups of the stratum up to and including row i's group
        ca = np.cumsum(a)
        offset = np.where(g_start, ca - a, np.nan)
        offset = pd.Series(offset).ffill().to_numpy()
        big_a = (ca - offset)[group]
        coef = w * (big_a - b[group])
        ll = float(eta_s.sum() - logden)
        grad = x_sum - (wx * (big_a - b[group])[:, None]).sum(axis=0)
        hess = -((x * coef[:, None]).T @ x - outer)
        return ll, grad, hess

    return fun
