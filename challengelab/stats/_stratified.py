"""The two ways of fitting a stratified model (maximum likelihood or Firth-penalised) and their separation check.

Both return a :class:`StratifiedFit`, so :mod:`clogit` and :mod:`rologit` share what ``converged``,
``separation`` and the table mean.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from challengelab.stats._choice import ChoiceSets, breslow_function
from challengelab.stats._design import format_terms, newton
from challengelab.stats._penalised import maximise, profile_table
from challengelab.stats._result import safe_inverse, wald_table
from challengelab.stats.separation import (
    Separation,
    classify_separation,
    looks_separated,
    mark_separated,
    separation_warning,
)


@dataclass(frozen=True)
class StratifiedFit:
    table: pd.DataFrame
    loglik: float
    converged: bool
    separation: Separation
    cov: np.ndarray
    warnings: list[str]
    firth: bool = False


def ml_fit(fun, x: np.ndarray, constraints: Callable[[], np.ndarray], names: list[str], ci_level: float,
           outcome: str) -> StratifiedFit:
    """Newton-Raphson maximum likelihood; the separation LP runs only when the estimates look divergent."""
    beta, ll, _grad, hess, converged, _ = newton(fun, np.zeros(len(names)))
    cov = safe_inverse(-hess)
    separation = Separation()
    if looks_separated(beta, cov, x, converged):
        separation = classify_separation(constraints(), names)
    table = mark_separated(wald_table(names, beta, cov, ci_level), separation)
    warnings = [separation_warning(separation, outcome)] if separation else []
    if separation:  # along the separating direction the score vanishes only in the limit
        converged = False
    if not converged and not separation:
        warnings.append("The optimiser did not reach a point with zero gradient; estimates are unreliable.")
    return StratifiedFit(table, float(ll), converged, separation, cov, warnings)


def fit_stratified(ml_fun, sets: Callable[[], ChoiceSets], x: np.ndarray, constraints: Callable[[], np.ndarray],
                   names: list[str], ci_level: float, outcome: str, firth: bool | None) -> StratifiedFit:
    """Maximum likelihood (``firth=False``), Firth-penalised (``True``), or maximum likelihood unless a term
    separates the outcome, then Firth-penalised (``None``; the warnings say why)."""
    if firth:
        return firth_fit(sets(), x, constraints, names, ci_level, outcome)
    fit = ml_fit(ml_fun, x, constraints, names, ci_level, outcome)
    if firth is False or not fit.separation:
        return fit
    penalised = firth_fit(sets(), x, constraints, names, ci_level, outcome, fit.separation)
    reason = (f"Fitted with Firth's penalty because {format_terms(list(fit.separation.direction))} separate(s) "
              f"{outcome} (maximum likelihood diverges); the comparison stays within strata.")
    return dataclasses.replace(penalised, warnings=[reason, *penalised.warnings])


def firth_fit(sets: ChoiceSets, x: np.ndarray, constraints: Callable[[], np.ndarray], names: list[str],
              ci_level: float, outcome: str, separation: Separation | None = None) -> StratifiedFit:
    """Firth-penalised fit with profile penalised-likelihood CIs and penalised LR p-values (as R coxphf)."""
    fun = breslow_function(sets, firth=True)
    beta, pl_max, converged = maximise(fun, np.ones(len(names), dtype=bool), np.zeros(len(names)))
    cov = safe_inverse(fun(beta)[2])
    table = profile_table(fun, names, beta, pl_max, cov, ci_level)
    if separation is None:
        separation = unpenalised_separation(sets, x, constraints, names)
    warnings = []
    if separation:
        warnings.append(
            f"Separation: {format_terms(list(separation.direction))} perfectly or almost perfectly predict(s) "
            f"{outcome}, so ordinary maximum likelihood would diverge. The Firth penalty gives finite estimates, "
            "but their size is driven by the penalty as much as by the data: read them as a strong association "
            "in that direction, with the profile-likelihood interval, not as a precise effect size.")
    if not converged:
        warnings.append("The penalised likelihood did not converge (score not zero); estimates are unreliable.")
    return StratifiedFit(table, float(pl_max), converged, separation, cov, warnings, firth=True)


def unpenalised_separation(sets: ChoiceSets, x: np.ndarray, constraints: Callable[[], np.ndarray],
                           names: list[str]) -> Separation:
    """Separation of the unpenalised (Breslow) likelihood: Newton first, the LP only if it diverges."""
    plain = breslow_function(sets, firth=False)

    def fun(beta):
        ll, score, info = plain(beta)
        return ll, score, -info

    beta, _ll, _g, hess, converged, _ = newton(fun, np.zeros(len(names)))
    if looks_separated(beta, safe_inverse(-hess), x, converged):
        return classify_separation(constraints(), names)
    return Separation()
