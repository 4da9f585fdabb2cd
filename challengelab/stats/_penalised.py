"""Firth-penalised likelihoods: maximisation, profile penalised-likelihood intervals and penalised LR tests.

A penalised model is a function ``fun(beta) -> (penalised loglik, penalised score, Fisher information)``. The
same machinery serves the pooled Firth logistic regression (``logistf``) and the stratified Firth models
(``coxphf``): restricted fits keep the full model's penalty, as both R packages do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

PenalisedFun = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def maximise(fun: PenalisedFun, free: np.ndarray, beta0: np.ndarray, max_iter: int = 200,
             max_step: float = 5.0, tol: float = 1e-8, with_score: bool = False):
    """Maximise the penalised likelihood over the ``free`` coefficients (the others stay at ``beta0``).

    Fisher scoring with steps capped at ``max_step`` and step halving; stops when the penalised score of the
    free coefficients is below ``tol``. Returns (beta, penalised loglik, converged), and the penalised score
    at beta as a fourth element when ``with_score``.
    """
    beta = beta0.astype(float).copy()
    pl, score, info = fun(beta)
    for _ in range(max_iter):
        step = np.zeros_like(beta)
        try:
            step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        except np.linalg.LinAlgError:
            step[free] = np.linalg.lstsq(info[np.ix_(free, free)], score[free], rcond=None)[0]
        if np.max(np.abs(step), initial=0.0) > max_step:
            step *= max_step / np.max(np.abs(step))
        t = 1.0
        for _ in range(30):
            cand = beta + t * step
            pl_new, score_new, info_new = fun(cand)
            if pl_new >= pl - 1e-12 * (1 + abs(pl)):
                break
            t /= 2
        beta, pl, score, info = cand, pl_new, score_new, info_new
        if np.max(np.abs(score[free]), initial=0.0) < tol or np.max(np.abs(t * step), initial=0.0) < tol / 10:
            break
    converged = bool(np.max(np.abs(score[free]), initial=0.0) < 1e-6 * max(1.0, np.sqrt(np.trace(info))))
    return (beta, pl, converged, score) if with_score else (beta, pl, converged)


class Profile:
    """Profile penalised log-likelihood of one coefficient; each restricted fit starts from the nearest
    previous one."""

    def __init__(self, fun: PenalisedFun, j: int, beta: np.ndarray, cov: np.ndarray | None = None):
        self.fun, self.j = fun, j
        self.free = np.ones(len(beta), dtype=bool)
        self.free[j] = False
        self.solutions = [beta.copy()]
        self.last_slope = 0.0
        # how the other coefficients move with this one, to first order (a good start for restricted fits)
        ok = cov is not None and np.all(np.isfinite(cov[:, j])) and cov[j, j] > 0
        self.slope = cov[:, j] / cov[j, j] if ok else np.zeros(len(beta))

    def __call__(self, value: float) -> float:
        nearest = min(self.solutions, key=lambda b: abs(b[self.j] - value))
        start = nearest + (value - nearest[self.j]) * self.slope
        start[self.j] = value
        beta, pl, _, score = maximise(self.fun, self.free, start, tol=1e-7, with_score=True)
        self.solutions.append(beta)
        self.last_slope = score[self.j]
        return pl

    def bound(self, pl_max: float, q: float, estimate: float, step: float) -> float:
        """Where 2 * (pl_max - profile) crosses the chi-square quantile, searching out from the estimate.

        Safeguarded Newton: the profile's slope at a restricted fit is the penalised score of the fixed
        coefficient (envelope theorem), so each step needs one restricted fit; steps leaving the bracket fall
        back to bisection. The first trial point is the Wald-type guess estimate +/- sqrt(q) * SE.
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


def profile_table(fun: PenalisedFun, names: list[str], beta: np.ndarray, pl_max: float, cov: np.ndarray,
                  ci_level: float) -> pd.DataFrame:
    """Coefficient table with profile penalised-likelihood CIs and penalised likelihood-ratio p-values.

    Standard errors (and z) come from ``cov``, the inverse Fisher information at the penalised estimate.
    """
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    q = stats.chi2.ppf(ci_level, 1)
    rows = []
    for j in range(len(names)):
        profile = Profile(fun, j, beta, cov)
        lr0 = 2 * (pl_max - profile(0.0))
        rows.append({
            "estimate": beta[j], "std_error": se[j], "z": beta[j] / se[j] if se[j] > 0 else np.nan,
            "p_value": float(stats.chi2.sf(max(lr0, 0.0), 1)),
            "ci_low": profile.bound(pl_max, q, beta[j], -se[j]),
            "ci_high": profile.bound(pl_max, q, beta[j], se[j]),
            "odds_ratio": float(np.exp(beta[j])),
        })
    return pd.DataFrame(rows, index=pd.Index(names, name="term"))
