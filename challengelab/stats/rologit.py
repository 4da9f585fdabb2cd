"""Rank-ordered (exploded) logit, a.k.a. Plackett–Luce: the stratified Cox partial likelihood of the ranking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from challengelab.stats._design import (
    as_list, check_columns, complete_cases, design_matrix, format_terms, missing_rows_warning, stratified_terms,
)
from challengelab.stats._choice import ranking_sets
from challengelab.stats._threads import single_threaded
from challengelab.stats._result import ModelResult
from challengelab.stats._stratified import fit_stratified
from challengelab.stats.separation import ranking_constraints


@single_threaded
def rank_ordered_logit(
    data: pd.DataFrame,
    rank: str,
    predictors: str | Sequence[str],
    strata: str,
    ties: Literal["efron", "breslow"] | None = None,
    ci_level: float = 0.95,
    firth: bool | None = False,
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
    ties : {"efron", "breslow"}, optional
        Default: Efron's approximation (R's default) for the maximum-likelihood fit, Breslow's for the
        Firth-penalised fit (the only one it supports, as R ``coxphf``).
    ci_level : float
    firth : bool or None
        ``None``: maximum likelihood, or the Firth-penalised fit (with Breslow's ties) when a term separates
        the ranking. ``True``: maximise the Firth-penalised partial likelihood (half the log-determinant of its information added,
        Heinze & Schemper 2001), as R ``coxphf`` with each stratum and rank position its own risk set:
        estimates stay finite under separation (e.g. a strategy used by exactly the best-ranked teams);
        intervals are profile penalised-likelihood intervals and p-values penalised likelihood-ratio tests.

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
    ties = ties or ("breslow" if firth else "efron")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    if firth and ties != "breslow":
        raise ValueError("the Firth-penalised rank-ordered logit handles tied ranks like Breslow (as R coxphf); "
                         "use ties='breslow'")
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

    def constraints():
        return ranking_constraints(xu, times, codes)

    label = f"the order of {rank}"
    fit = fit_stratified(_partial_likelihood(xu, times, codes, ties), lambda: ranking_sets(xu, times, codes), xu, constraints, names, ci_level,
                         label, firth)
    warnings += fit.warnings
    table = fit.table.reindex(design.names)
    table.index.name = "term"
    n_strata = int(codes.max()) + 1
    n_tied = int(len(times) - len(np.unique(np.column_stack([codes, times]), axis=0)))
    method = _method(rank, design.names, strata, len(times), n_strata, n_tied, ties, ci_level, fit.firth)
    return ModelResult(
        table=table, n_obs=len(times), n_groups=n_strata, loglik=fit.loglik, converged=fit.converged,
        warnings=warnings, method=method, model="rank_ordered_logit", n_missing=n_missing,
        vcov=pd.DataFrame(fit.cov, index=names, columns=names), firth=fit.firth,
        separated=tuple(fit.separation.direction), not_estimable=dict(fit.separation.not_estimable),
        n_uninformative=n_single, n_events=len(times),
    )


def _method(rank, terms, strata, n_rows, n_strata, n_tied, ties, ci_level, firth) -> str:
    head = (f"Rank-ordered (exploded) logit, also called the Plackett-Luce model, of {rank} on "
            f"{format_terms(terms)} within each {strata}: the best-ranked row is modelled as chosen among all "
            f"rows of its {strata}, the next among the rest, and so on, so the whole ranking is used and rows are "
            f"compared only with rows of the same {strata}. It is the stratified Cox partial likelihood with the "
            f"rank as event time (as R survival::coxph(Surv({rank}, event) ~ ... + strata({strata}))). ")
    if firth:
        fit = ("The partial likelihood was penalised by half the log-determinant of its information (Firth's bias "
               "reduction, Heinze & Schemper 2001), which keeps estimates finite when a predictor separates the "
               f"ranking, and maximised as R coxphf does with each {strata} and rank position as its own risk set; "
               f"{n_tied} tied rank(s) were handled with Breslow's approximation. Confidence intervals "
               f"({ci_level:.0%}) are profile penalised-likelihood intervals and p-values penalised "
               "likelihood-ratio tests. ")
    else:
        fit = (f"It was maximised by Newton-Raphson; {n_tied} tied rank(s) were handled with "
               f"{ties.capitalize()}'s approximation. Confidence intervals ({ci_level:.0%}) and p-values are "
               "Wald-type. ")
    return (head + fit + f"The fit used {n_rows} rows in {n_strata} strata. Coefficients are log odds of being "
            "ranked ahead; positive values mean a better rank.")


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
