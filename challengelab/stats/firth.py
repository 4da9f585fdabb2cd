"""Firth-penalised logistic regression with profile penalised-likelihood inference (R ``logistf``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from challengelab.stats._design import (
    INTERCEPT,
    as_list,
    binary_vector,
    check_columns,
    complete_cases,
    design_matrix,
    format_terms,
    missing_rows_warning,
)
from challengelab.stats._result import ModelResult, safe_inverse
from challengelab.stats.separation import logistic_constraints, separated_terms


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
    beta, pl_max, converged = _fit(xa, ya, na, np.ones(x.shape[1], dtype=bool), np.zeros(x.shape[1]))
    info = _information(xa, na, beta)
    cov = safe_inverse(info)
    se = np.sqrt(np.diag(cov))
    q = stats.chi2.ppf(ci_level, 1)

    rows = []
    for j in range(len(names)):
        free = np.ones(len(names), dtype=bool)
        free[j] = False
        profile = _Profile(xa, ya, na, free, beta)
        lr0 = 2 * (pl_max - profile(0.0))
        low = profile.bound(pl_max, q, beta[j], -se[j])
        high = profile.bound(pl_max, q, beta[j], se[j])
        rows.append({
            "estimate": beta[j], "std_error": se[j], "z": beta[j] / se[j],
            "p_value": float(stats.chi2.sf(max(lr0, 0.0), 1)), "ci_low": low, "ci_high": high,
            "odds_ratio": float(np.exp(beta[j])), "chi2": lr0,
        })
    table = pd.DataFrame(rows, index=pd.Index(names, name="term"))
    chi2 = table.pop("chi2")

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
        f"separates the outcome. The fit used {len(y)} rows and does not account for any grouping of the rows. "
        f"Confidence intervals ({ci_level:.0%}) are profile penalised-likelihood intervals and p-values penalised "
        "likelihood-ratio tests (1 degree of freedom); standard errors come from the Fisher information. "
        f"Coefficients are log odds ratios; positive values mean a higher chance of {outcome}."
    )
    result = ModelResult(
        table=table, n_obs=len(y), n_groups=None, loglik=float(pl_max), converged=converged,
        warnings=warnings, method=method, model="firth_logit", n_missing=n_missing,
        vcov=pd.DataFrame(cov, index=names, columns=names),
    )
    object.__setattr__(result, "_lr_chi2", chi2)
    return result


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


def _fit(x, y, n, free, beta0, max_iter: int = 200, max_step: float = 5.0, tol: float = 1e-8):
    """Maximise the penalised likelihood over the ``free`` coefficients (the others stay at ``beta0``).

    Stops when the modified score is below ``tol`` (the penalised log-likelihood is then within about
    tol^2 / information of its maximum).
    """
    beta = beta0.astype(float).copy()
    pl, score, info = _penalised(x, y, n, beta)
    for _ in range(max_iter):
        step = np.zeros_like(beta)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        if np.max(np.abs(step)) > max_step:
            step *= max_step / np.max(np.abs(step))
        t = 1.0
        for _ in range(30):
            cand = beta + t * step
            pl_new, score_new, info_new = _penalised(x, y, n, cand)
            if pl_new >= pl - 1e-12 * (1 + abs(pl)):
                break
            t /= 2
        beta, pl, score, info = cand, pl_new, score_new, info_new
        if np.max(np.abs(score[free]), initial=0.0) < tol or np.max(np.abs(t * step)) < tol / 10:
            break
    converged = bool(np.max(np.abs(score[free]), initial=0.0) < 1e-6)
    return beta, pl, converged


class _Profile:
    """Profile penalised log-likelihood of one coefficient; each restricted fit starts from the nearest
    previous one."""

    def __init__(self, x, y, n, free, beta):
        self.x, self.y, self.n, self.free = x, y, n, free
        self.j = int(np.flatnonzero(~free)[0])
        self.solutions = [beta.copy()]

    def __call__(self, value: float) -> float:
        start = min(self.solutions, key=lambda b: abs(b[self.j] - value)).copy()
        start[self.j] = value
        beta, pl, _ = _fit(self.x, self.y, self.n, self.free, start, tol=1e-6)
        self.solutions.append(beta)
        self.last_slope = _penalised(self.x, self.y, self.n, beta)[1][self.j]
        return pl

    def bound(self, pl_max: float, q: float, estimate: float, step: float) -> float:
        """Where 2 * (pl_max - profile) crosses the chi-square quantile, searching out from the estimate.

        Safeguarded Newton: the profile's slope at a restricted fit is the modified score of the fixed
        coefficient (envelope theorem), so each step needs one restricted fit; steps leaving the bracket
        fall back to bisection. The first trial point is the Wald-type guess estimate +/- sqrt(q) * SE.
        """
        direction = np.sign(step)
        inside, outside = estimate, None  # f < 0 at inside, f > 0 at outside
        b = estimate + np.sqrt(q) * step
        for _ in range(200):
            f = 2 * (pl_max - self(b)) - q
            if abs(f) < 1e-9:
                return float(b)
            if f < 0:
                inside = b
            else:
                outside = b
            slope = -2 * self.last_slope
            newton = b - f / slope if slope != 0 else np.nan
            if outside is None:  # not bracketed yet: go further out
                far = inside + 2 * (inside - estimate) if inside != estimate else estimate + 2 * step
                b = newton if np.isfinite(newton) and (newton - inside) * direction > 0 else far
                b = b if (b - inside) * direction <= 4 * abs(inside - estimate) + abs(step) else far
                if abs(b - estimate) > 1e3:
                    return float(direction * np.inf)
                continue
            lo, hi = sorted((inside, outside))
            b = newton if np.isfinite(newton) and lo < newton < hi else (inside + outside) / 2
            if hi - lo < 1e-10:
                return float(b)
        return float(b)
