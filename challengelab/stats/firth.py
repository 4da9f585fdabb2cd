"""Firth-penalised logistic regression with profile penalised-likelihood inference (R ``logistf``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from challengelab.stats._design import (
    INTERCEPT, as_list, binary_vector, check_columns, complete_cases, design_matrix, format_terms,
    missing_rows_warning,
)
from challengelab.stats._penalised import maximise, profile_table
from challengelab.stats._threads import single_threaded
from challengelab.stats._result import ModelResult, safe_inverse
from challengelab.stats.separation import logistic_constraints, separated_terms


@single_threaded
def firth_logit(
    data: pd.DataFrame,
    outcome: str,
    predictors: str | Sequence[str],
    ci_level: float = 0.95,
) -> ModelResult:
    """Logistic regression with Firth's bias-reducing penalty, as R ``logistf`` (default settings).

    The log-likelihood is penalised by half the log-determinant of the Fisher information (Jeffreys
    prior), which keeps estimates finite under separation (e.g. when every winner used a strategy).
    Confidence intervals are profile penalised-likelihood intervals and p-values come from penalised
    likelihood-ratio tests (the restricted fits keep the full model's penalty, as ``logistf``); standard
    errors are from the inverse Fisher information.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome : str
        Binary column (bool or 0/1).
    predictors : str or list of str
        Numeric, boolean or categorical columns. An intercept is always included, as ``(Intercept)``.
    ci_level : float

    Returns
    -------
    ModelResult

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import firth_logit
    >>> d = pd.DataFrame({"win": [1, 1, 0, 0, 0, 0], "aug": [1, 1, 1, 0, 0, 0]})
    >>> fit = firth_logit(d, "win", "aug")
    >>> bool(fit.table.loc["aug", "estimate"] > 0), fit.n_obs
    (True, 6)
    """
    predictors = as_list(predictors)
    check_columns(data, [outcome, *predictors])
    complete, n_missing = complete_cases(data, [outcome, *predictors])
    y = binary_vector(complete[outcome], outcome)
    design = design_matrix(complete, predictors, intercept=True)
    x, names = design.matrix, design.names
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(f"the predictors {format_terms(predictors)} are collinear (or one is constant)")

    xa, ya, na = _patterns(x, y)

    def fun(beta):
        return _penalised(xa, ya, na, beta)

    beta, pl_max, converged = maximise(fun, np.ones(x.shape[1], dtype=bool), np.zeros(x.shape[1]))
    cov = safe_inverse(_information(xa, na, beta))
    table = profile_table(fun, names, beta, pl_max, cov, ci_level)

    warnings = missing_rows_warning(n_missing, [outcome, *predictors])
    separated = [t for t in separated_terms(logistic_constraints(x, y), names) if t != INTERCEPT]
    if separated:
        warnings.append(
            f"Separation: {format_terms(separated)} perfectly or almost perfectly predict(s) {outcome}; "
            "ordinary maximum likelihood would diverge. The Firth penalty gives finite estimates, but they and "
            "their intervals are driven by the penalty as much as by the data: read them as 'a strong positive "
            "(or negative) association', not as a precise size."
        )
    if not converged:
        warnings.append("The penalised likelihood did not converge (gradient not zero); estimates are unreliable.")
    method = (
        f"Firth-penalised logistic regression of {outcome} on {format_terms(predictors)} with an intercept "
        "(as R logistf): the log-likelihood is penalised by half the log-determinant of the Fisher information, "
        "which removes the first-order bias of maximum likelihood and keeps estimates finite when a predictor "
        f"separates the outcome. The fit used {len(y)} rows and does not account for any grouping of the rows: "
        "it pools all competitions, so rows are compared across competitions, not only with their own "
        "competitors. When an outcome is fixed per competition (one winner per task) and a predictor is more "
        "common in large (or small) competitions, the pooled model mistakes that for an effect: in simulations a "
        "null strategy was 'significant' far more often than the nominal level. Prefer the stratified models "
        "(conditional or rank-ordered logit, with firth=True under separation) for rank-derived outcomes. "
        f"Confidence intervals ({ci_level:.0%}) are profile penalised-likelihood intervals and p-values penalised "
        "likelihood-ratio tests (1 degree of freedom); standard errors come from the Fisher information. "
        f"Coefficients are log odds ratios; positive values mean a higher chance of {outcome}."
    )
    return ModelResult(
        table=table, n_obs=len(y), n_groups=None, loglik=float(pl_max), converged=converged,
        warnings=warnings, method=method, model="firth_logit", n_missing=n_missing, firth=True,
        separated=tuple(separated),
        vcov=pd.DataFrame(cov, index=names, columns=names),
    )


def _patterns(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse rows with identical predictors into binomial counts (same likelihood, same penalty)."""
    patterns, inverse = np.unique(x, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    trials = np.bincount(inverse, minlength=len(patterns)).astype(float)
    successes = np.bincount(inverse, weights=y, minlength=len(patterns))
    return patterns, successes, trials


def _penalised(x, y, n, beta) -> tuple[float, np.ndarray, np.ndarray]:
    """Penalised log-likelihood (binomial counts y of n), modified score and Fisher information."""
    eta = x @ beta
    p = expit(eta)
    w = n * p * (1 - p)
    xw = x * np.sqrt(w)[:, None]
    info = xw.T @ xw
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return -np.inf, np.zeros_like(beta), info
    logdet = 2 * np.log(np.diag(chol)).sum()
    ll = float(np.sum(y * eta - n * np.logaddexp(0, eta)))
    half = xw @ np.linalg.inv(chol).T  # rows: L^-1 x_i sqrt(w_i)
    hat = (half * half).sum(axis=1)
    score = x.T @ (y - n * p + hat * (0.5 - p))
    return ll + 0.5 * logdet, score, info


def _information(x, n, beta) -> np.ndarray:
    p = expit(x @ beta)
    return (x * (n * p * (1 - p))[:, None]).T @ x
