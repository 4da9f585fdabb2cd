"""Conditional logistic regression with the exact conditional likelihood (R ``survival::clogit(method="exact")``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from challengelab.stats._design import (
    as_list, binary_vector, check_columns, complete_cases, design_matrix, format_terms, missing_rows_warning,
    stratified_terms,
)
from challengelab.stats._choice import breslow_function, conditional_sets
from challengelab.stats._threads import single_threaded
from challengelab.stats._result import ModelResult
from challengelab.stats._strata import Packed, pack
from challengelab.stats._stratified import fit_stratified
from challengelab.stats.separation import conditional_constraints


@single_threaded
def conditional_logit(
    data: pd.DataFrame,
    outcome: str,
    predictors: str | Sequence[str],
    strata: str,
    ci_level: float = 0.95,
    firth: bool | None = False,
) -> ModelResult:
    """Conditional logistic regression by exact conditional likelihood.

    Within each stratum, the probability that exactly the observed cases (``outcome`` true) are the cases,
    given how many cases the stratum has, is ``exp(sum of case scores) / sum over all equally sized subsets``.
    Several (tied) cases per stratum are handled exactly, as in R
    ``survival::clogit(..., method = "exact")``. Strata whose rows are all cases or all non-cases carry no
    information and are dropped (and counted in ``warnings``).

    Parameters
    ----------
    data : pandas.DataFrame
    outcome : str
        Binary column (bool or 0/1); positive coefficients mean a higher chance of the outcome.
    predictors : str or list of str
        Numeric, boolean or categorical columns (categories become treatment dummies ``name[level]``).
    strata : str
        Column identifying the strata (e.g. the task).
    ci_level : float
        Level of the confidence intervals (Wald; profile penalised-likelihood with ``firth=True``).
    firth : bool or None
        ``None``: maximum likelihood, or the Firth-penalised fit when a term separates the outcome. ``True``:
        maximise the Firth-penalised conditional likelihood (half the log-determinant of its information
        added, Heinze & Schemper 2001), as R ``coxphf`` with each stratum its own risk set: estimates stay
        finite under separation; intervals are profile penalised-likelihood intervals and p-values penalised
        likelihood-ratio tests. Several cases in a stratum are then handled like Breslow's ties (as coxphf).

    Returns
    -------
    ModelResult

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import conditional_logit
    >>> d = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                   "win": [1, 0, 0, 1, 0, 0, 0, 1, 0],
    ...                   "x": [1, 0, 1, 1, 0, 0, 1, 0, 0]})
    >>> fit = conditional_logit(d, "win", "x", "task")
    >>> round(float(fit.table.loc["x", "estimate"]), 3), fit.n_groups
    (1.005, 3)
    """
    predictors = as_list(predictors)
    check_columns(data, [outcome, *predictors, strata])
    complete, n_missing = complete_cases(data, [outcome, *predictors, strata])
    y = binary_vector(complete[outcome], outcome)
    design = design_matrix(complete, predictors)
    codes_all = pd.factorize(complete[strata], sort=True)[0]

    cases = np.bincount(codes_all, weights=y)
    sizes = np.bincount(codes_all)
    informative = (cases > 0) & (cases < sizes)
    if informative.sum() == 0:
        raise ValueError(f"no stratum of {strata!r} has both cases and non-cases of {outcome!r}")
    keep = informative[codes_all]
    n_dropped_strata = int((~informative).sum())
    x, y, codes = design.matrix[keep], y[keep], pd.factorize(codes_all[keep])[0]

    warnings = missing_rows_warning(n_missing, [outcome, *predictors, strata])
    if n_dropped_strata:
        warnings.append(f"{n_dropped_strata} stratum/strata of {strata} where every row or no row had {outcome} "
                        "carry no information and were dropped.")
    xu, names = stratified_terms(design, x, codes, strata, warnings)

    def constraints():
        return conditional_constraints(xu, y, codes)

    fit = fit_stratified(_loglik_function(xu, y, codes), lambda: conditional_sets(xu, y, codes), xu, constraints, names, ci_level,
                         outcome, firth)
    warnings += fit.warnings
    table = fit.table.reindex(design.names)
    table.index.name = "term"
    n_strata = int(informative.sum())
    tied = int((np.bincount(codes, weights=y) > 1).sum())
    if fit.firth and tied:
        warnings.append(f"{tied} of {n_strata} strata have more than one row with {outcome}; the Firth-penalised "
                        "fit treats them like tied events (Breslow), an approximation of the exact conditional "
                        "likelihood.")
    method = _method(outcome, design.names, strata, len(y), n_strata, tied, ci_level, fit.firth)
    return ModelResult(
        table=table, n_obs=len(y), n_groups=n_strata, loglik=fit.loglik, converged=fit.converged,
        warnings=warnings, method=method, model="conditional_logit", n_missing=n_missing,
        vcov=pd.DataFrame(fit.cov, index=names, columns=names), firth=fit.firth,
        separated=tuple(fit.separation.direction), not_estimable=dict(fit.separation.not_estimable),
        n_uninformative=int((~keep).sum()), n_events=int(y.sum()),
    )


def _method(outcome, terms, strata, n_rows, n_strata, tied, ci_level, firth) -> str:
    head = (f"Conditional logistic regression of {outcome} on {format_terms(terms)}, stratified by {strata}: "
            f"each row is compared only with the other rows of its own {strata}, so differences between strata "
            "(such as their size) cannot confound the estimates. ")
    if firth:
        fit = ("The conditional likelihood was penalised by half the log-determinant of its information (Firth's "
               "bias reduction, Heinze & Schemper 2001), which keeps estimates finite when a predictor separates "
               f"the outcome, and maximised as R coxphf does with each {strata} as its own risk set (several "
               f"cases in a {strata} handled like Breslow's ties; {tied} of {n_strata} strata had more than "
               f"one). Confidence intervals ({ci_level:.0%}) are profile penalised-likelihood intervals and "
               "p-values penalised likelihood-ratio tests. ")
    else:
        fit = ("The exact conditional likelihood was maximised by Newton-Raphson (as R survival::clogit with "
               f"method = \"exact\"), which also handles several tied cases in a stratum ({tied} of {n_strata} "
               f"strata had more than one); confidence intervals ({ci_level:.0%}) and p-values are Wald-type. ")
    return (head + fit + f"The fit used {n_rows} rows in {n_strata} informative strata. Coefficients are log "
            f"odds ratios; positive values mean a higher chance of {outcome}.")


def _loglik_function(x: np.ndarray, y: np.ndarray, codes: np.ndarray):
    """Exact conditional log-likelihood, gradient and Hessian, vectorised over strata.

    The sum over subsets is computed with the recursion B(k, j) = B(k-1, j) + w_k B(k-1, j-1) (Gail, Lubin
    and Rubinstein 1981) together with its first and second derivatives. Strata with more cases than
    non-cases are flipped (cases <-> non-cases, x -> -x), which leaves the likelihood unchanged and keeps the
    recursion short; strata are processed in groups with the same number of cases, so each group's recursion
    is only as deep as its own case count.
    """
    cases = np.bincount(codes, weights=y)
    sizes = np.bincount(codes)
    flip = (cases > sizes / 2)[codes]
    x = np.where(flip[:, None], -x, x)
    y = np.where(flip, 1 - y, y)
    depth_of_stratum = np.bincount(codes, weights=y).astype(int)
    parts = []
    for depth in np.unique(depth_of_stratum):
        rows = depth_of_stratum[codes] == depth
        sub_codes = pd.factorize(codes[rows])[0]
        if depth == 1:  # one case: the exact likelihood is the multinomial (choice-set) one, in closed form
            parts.append(_single_case_function(conditional_sets(x[rows], y[rows], sub_codes)))
        else:
            parts.append(_part_function(pack(x[rows], y[rows], sub_codes), int(depth)))

    def fun(beta: np.ndarray):
        results = [part(beta) for part in parts]
        return (sum(r[0] for r in results), sum(r[1] for r in results), sum(r[2] for r in results))

    return fun


def _single_case_function(sets):
    plain = breslow_function(sets, firth=False)

    def fun(beta: np.ndarray):
        ll, score, info = plain(beta)
        return ll, score, -info

    return fun


def _part_function(packed: Packed, depth: int):
    """Log-likelihood contributions of strata that all have ``depth`` (>= 2) cases.

    With w_i = exp(score_i), the stratum's denominator is the elementary symmetric polynomial e_d(w). The
    inclusion probabilities of one row (pi_i) and of two rows (pi_ij) use the polynomials of the other rows,
    built from prefix and suffix products (all terms positive: no cancellation). The gradient is
    x_cases - X' pi and the Hessian -X' (Pi2 - pi pi') X, the covariance of the case total.
    """
    xp, valid, n_max, p = packed.x, packed.valid, packed.x.shape[1], packed.x.shape[2]
    d = depth
    case_total = np.einsum("sn,snp->p", packed.y, xp)

    def fun(beta: np.ndarray):
        eta = np.where(valid, xp @ beta, -np.inf)
        shift = eta.max(axis=1, keepdims=True)
        w = np.exp(eta - shift)
        prefix, suffix = _prefix_suffix(w, d)
        e_d = prefix[:, n_max, d]
        loo = np.einsum("sim,sim->si", prefix[:, :n_max, :d], suffix[:, 1:, d - 1::-1])
        pi = w * loo / e_d[:, None]
        pi2 = _pair_inclusion(w, prefix, suffix, d) / e_d[:, None, None]
        pi2 = pi2 + pi2.transpose(0, 2, 1)
        idx = np.arange(n_max)
        pi2[:, idx, idx] = pi
        centred = (pi2 - pi[:, :, None] * pi[:, None, :]) @ xp
        ll = float(np.sum(np.where(packed.y > 0, eta - shift, 0.0)) - np.log(e_d).sum())
        grad = case_total - np.einsum("sn,snp->p", pi, xp)
        hess = -(xp.reshape(-1, p).T @ centred.reshape(-1, p))
        return ll, grad, (hess + hess.T) / 2

    return fun


def _prefix_suffix(w: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Elementary symmetric polynomials (degrees 0..d) of w[:, :k] (prefix[:, k]) and w[:, k:] (suffix[:, k])."""
    n_strata, n_max = w.shape
    prefix = np.zeros((n_strata, n_max + 1, d + 1))
    suffix = np.zeros((n_strata, n_max + 1, d + 1))
    prefix[:, 0, 0] = suffix[:, n_max, 0] = 1.0
    for k in range(n_max):
        prefix[:, k + 1] = prefix[:, k]
        prefix[:, k + 1, 1:] += w[:, k, None] * prefix[:, k, :-1]
        j = n_max - 1 - k
        suffix[:, j] = suffix[:, j + 1]
        suffix[:, j, 1:] += w[:, j, None] * suffix[:, j + 1, :-1]
    return prefix, suffix


def _pair_inclusion(w: np.ndarray, prefix: np.ndarray, suffix: np.ndarray, d: int) -> np.ndarray:
    """w_i w_j e_{d-2}(w without i and j) for i < j (upper triangle; zero elsewhere)."""
    n_strata, n_max = w.shape
    out = np.zeros((n_strata, n_max, n_max))
    # without_i[:, i] = polynomial of w[:, :j] without row i (degrees 0..d-2), for the current j
    without_i = np.zeros((n_strata, n_max, d - 1))
    for j in range(1, n_max):
        old = without_i[:, : j - 1].copy()
        without_i[:, : j - 1, 1:] += w[:, j - 1, None, None] * old[:, :, :-1]
        without_i[:, j - 1] = prefix[:, j - 1, : d - 1]
        tail = suffix[:, j + 1, d - 2::-1]  # degrees d-2, ..., 0 of the rows after j
        out[:, :j, j] = np.einsum("sim,sm->si", without_i[:, :j], tail) * w[:, :j] * w[:, j, None]
    return out
