"""The result object shared by every model in :mod:`challengelab.stats`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

TABLE_COLUMNS = ["estimate", "std_error", "z", "p_value", "ci_low", "ci_high", "odds_ratio"]


@dataclass(frozen=True)
class ModelResult:
    """A fitted model: coefficient table, fit statistics, warnings in words and a prose description.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by term (predictor names as given; the intercept, where there is one, as ``(Intercept)``),
        with columns ``estimate, std_error, z, p_value, ci_low, ci_high`` on the log-odds scale and
        ``odds_ratio`` (= exp(estimate)).
    n_obs : int
        Rows used in the fit (after dropping rows with missing values and uninformative strata).
    n_groups : int or None
        Strata (conditional and rank-ordered logit) or random-effect groups (mixed logit); None otherwise.
    loglik : float
        Maximised log-likelihood (penalised log-likelihood for Firth-penalised fits).
    converged : bool
        True when the optimiser reached a finite point where the (penalised) score is numerically zero. An
        unpenalised fit under separation has no such point: it is False there, and ``separated`` says why.
    warnings : list of str
        Problems in plain English (separation, singular fit, non-convergence, dropped rows or strata, and why
        a model was chosen when it was chosen because of separation).
    method : str
        One paragraph describing exactly what was fitted, for reports.
    model : str
        Short model name: ``conditional_logit``, ``rank_ordered_logit``, ``firth_logit`` or ``mixed_logit``.
    sigma : float or None
        Random-intercept standard deviation (mixed logit only).
    n_missing : int
        Rows dropped because of a missing value in the outcome, a predictor or the strata/group column.
    vcov : pandas.DataFrame or None
        Covariance matrix of the estimates.
    firth : bool
        True for Firth-penalised fits (``firth_logit`` always; stratified models fitted with ``firth=True``).
    separated : tuple of str
        Terms that separate the outcome: the unpenalised likelihood keeps rising as they go to +/-infinity.
        Unpenalised fits show them as +/-inf without inference; Firth-penalised fits keep finite estimates.
    not_estimable : dict
        Terms without a finite unpenalised estimate that do not separate, with the reason (shown as NaN).
    missing : str
        How missing answers were handled: ``complete_cases`` (rows with a missing value dropped) or
        ``impute`` (multiple imputation, estimates pooled by Rubin's rules).
    n_imputations : int or None
        Number of imputed data sets (``missing="impute"``).
    n_uninformative : int
        Complete rows left out because their stratum carries no information (e.g. a task whose winner did
        not answer); ``n_used + n_dropped + n_uninformative`` is the number of input rows.
    n_events : int or None
        Rows with the outcome (conditional logit) or ranked rows (rank-ordered logit): R's ``nevent``.

    ``n_used`` and ``n_dropped`` (properties) are the rows used in the fit and the rows left out because of a
    missing value.
    """

    table: pd.DataFrame
    n_obs: int
    n_groups: int | None
    loglik: float
    converged: bool
    warnings: list[str]
    method: str
    model: str
    sigma: float | None = None
    n_missing: int = 0
    vcov: pd.DataFrame | None = field(default=None, repr=False)
    firth: bool = False
    separated: tuple[str, ...] = ()
    not_estimable: dict[str, str] = field(default_factory=dict)
    missing: str = "complete_cases"
    n_imputations: int | None = None
    n_uninformative: int = 0
    n_events: int | None = None

    @property
    def n_used(self) -> int:
        """Rows used in the fit."""
        return int(self.n_obs)

    @property
    def n_dropped(self) -> int:
        """Rows left out because of a missing value (0 with ``missing="impute"``)."""
        return int(self.n_missing)

    @property
    def terms(self) -> list[str]:
        return list(self.table.index)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no NaN / infinity: they become None)."""
        records = {
            term: {col: _clean(row[col]) for col in TABLE_COLUMNS}
            for term, row in self.table.iterrows()
        }
        return {
            "model": self.model,
            "n_obs": int(self.n_obs),
            "n_groups": None if self.n_groups is None else int(self.n_groups),
            "n_missing": int(self.n_missing),
            "n_used": self.n_used,
            "n_dropped": self.n_dropped,
            "n_uninformative": int(self.n_uninformative),
            "missing": self.missing,
            "n_imputations": self.n_imputations,
            "loglik": _clean(self.loglik),
            "converged": bool(self.converged),
            "firth": bool(self.firth),
            "separated": list(self.separated),
            "not_estimable": dict(self.not_estimable),
            "sigma": _clean(self.sigma),
            "warnings": list(self.warnings),
            "method": self.method,
            "coefficients": records,
        }

    def __repr__(self) -> str:  # a compact, readable repr
        head = (f"ModelResult(model={self.model!r}{', firth' if self.firth else ''}, n_used={self.n_used}, "
                f"n_dropped={self.n_dropped}, n_groups={self.n_groups}, "
                f"loglik={self.loglik:.4f}, converged={self.converged}"
                + (f", sigma={self.sigma:.4f}" if self.sigma is not None else "") + ")")
        warn = "".join(f"\n  warning: {w}" for w in self.warnings)
        return f"{head}\n{self.table.to_string()}{warn}"


def _clean(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def wald_table(names: list[str], beta: np.ndarray, cov: np.ndarray, ci_level: float = 0.95) -> pd.DataFrame:
    """Coefficient table with Wald standard errors, z statistics, p-values and confidence intervals."""
    beta = np.asarray(beta, dtype=float)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = beta / se
    crit = stats.norm.ppf(0.5 + ci_level / 2)
    return pd.DataFrame(
        {
            "estimate": beta,
            "std_error": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
            "odds_ratio": np.exp(beta),
        },
        index=pd.Index(names, name="term"),
    )


def safe_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive (semi)definite matrix; NaN where it is singular."""
    try:
        inv = np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.full_like(matrix, np.nan)
    return (inv + inv.T) / 2
