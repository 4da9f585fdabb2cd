"""Missing answers: multiple imputation by chained equations and Rubin's rules.

Complete cases stay the default everywhere (``n_used`` / ``n_dropped`` on every result say how many rows
that costs). ``missing="impute"`` instead fills the missing answers ``n_imputations`` times by chained
equations with predictive mean matching (as R ``mice``; a binary answer is always imputed as an observed 0 or
1), fits the model on every completed data set and pools the fits by Rubin's rules, as R ``mice::pool``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from challengelab.stats._result import ModelResult

#: Cycles of chained equations before the first data set is kept, and between two kept data sets.
BURN_IN, BETWEEN = 10, 5
#: Donors of predictive mean matching (R mice's default is 5).
K_DONORS = 5


def impute(data: pd.DataFrame, columns: Sequence[str], n_imputations: int = 20, seed: int | None = 2021,
           auxiliary: Sequence[str] = ()) -> list[pd.DataFrame]:
    """``n_imputations`` copies of ``data`` with the missing values of ``columns`` filled by chained equations.

    Each incomplete column is in turn regressed (least squares) on all the others; the coefficients are drawn
    from their approximate posterior, and every missing value takes the observed value of one of the
    ``K_DONORS`` observed rows whose prediction is closest to its own (predictive mean matching, as R
    ``mice(method = "pmm")`` and statsmodels' MICE): a binary answer is always imputed as an observed 0 or 1.
    The first data set is kept after ``BURN_IN`` cycles, the next ones every ``BETWEEN`` cycles.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : list of str
        Numeric or binary columns to impute (each is also a predictor of the others).
    n_imputations : int
    seed : int, optional
    auxiliary : list of str
        Numeric columns that only inform the imputation (e.g. the outcome); missing values in them are
        imputed too but not returned.

    Returns
    -------
    list of pandas.DataFrame

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from challengelab.stats.imputation import impute
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"a": rng.integers(0, 2, 60).astype(float), "b": rng.normal(size=60)})
    >>> d.loc[:9, "a"] = np.nan
    >>> sets = impute(d, ["a", "b"], n_imputations=3, seed=1)
    >>> len(sets), bool(sets[0]["a"].isin([0, 1]).all())
    (3, True)
    """
    if n_imputations < 2:
        raise ValueError("n_imputations must be at least 2 (Rubin's rules need the between-imputation variance)")
    names = list(dict.fromkeys([*columns, *auxiliary]))
    values = np.column_stack([_numeric(data[c], c) for c in names])
    rng = np.random.default_rng(seed)
    missing = np.isnan(values)
    for j in np.flatnonzero(missing.any(axis=0)):  # start from random observed values
        observed = values[~missing[:, j], j]
        if len(observed) == 0:
            raise ValueError(f"column {names[j]!r} has no observed values to impute from")
        values[missing[:, j], j] = rng.choice(observed, missing[:, j].sum())
    out = []
    for cycle in range(BURN_IN + (n_imputations - 1) * BETWEEN):
        for j in np.flatnonzero(missing.any(axis=0)):
            values[missing[:, j], j] = _pmm_draw(values, missing[:, j], j, rng)
        if cycle + 1 >= BURN_IN and (cycle + 1 - BURN_IN) % BETWEEN == 0:
            completed = data.copy()
            for j, name in enumerate(names[: len(columns)]):
                completed[name] = values[:, j].copy()
            out.append(completed)
    return out


def _pmm_draw(values: np.ndarray, miss: np.ndarray, j: int, rng: np.random.Generator) -> np.ndarray:
    """New values for the missing rows of column ``j``: predictive mean matching on the other columns."""
    x = np.column_stack([np.ones(len(values)), np.delete(values, j, axis=1)])
    x_obs, y_obs = x[~miss], values[~miss, j]
    beta, *_ = np.linalg.lstsq(x_obs, y_obs, rcond=None)
    resid = y_obs - x_obs @ beta
    dof = max(len(y_obs) - x.shape[1], 1)
    sigma = np.sqrt(resid @ resid / rng.chisquare(dof))
    xtx_inv = np.linalg.pinv(x_obs.T @ x_obs)
    draw = beta + sigma * (np.linalg.cholesky(xtx_inv + 1e-12 * np.eye(len(beta))) @ rng.standard_normal(len(beta)))
    fitted_obs, fitted_mis = x_obs @ beta, x[miss] @ draw
    order = np.argsort(fitted_obs, kind="stable")
    sorted_fit = fitted_obs[order]
    pos = np.searchsorted(sorted_fit, fitted_mis)
    window = np.clip(pos[:, None] + np.arange(-K_DONORS, K_DONORS)[None, :], 0, len(sorted_fit) - 1)
    distance = np.abs(sorted_fit[window] - fitted_mis[:, None])
    nearest = np.take_along_axis(window, np.argsort(distance, axis=1, kind="stable")[:, :K_DONORS], axis=1)
    pick = nearest[np.arange(len(nearest)), rng.integers(0, nearest.shape[1], len(nearest))]
    return y_obs[order][pick]


def _numeric(series: pd.Series, name: str) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(series.dtype) \
            or series.dtype == object:
        raise ValueError(f"missing='impute' handles numeric and binary items; {name!r} is categorical (use "
                         "complete cases, or code it as indicator columns)")
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def rubin_pool(fits: Sequence[ModelResult], dfcom: float, ci_level: float = 0.95) -> pd.DataFrame:
    """Pool coefficient tables by Rubin's rules with the Barnard-Rubin degrees of freedom (R ``mice::pool``).

    ``qbar`` = mean estimate, ``ubar`` = mean squared standard error, ``b`` = between-imputation variance,
    ``t = ubar + (1 + 1/m) b``; p-values and intervals use Student's t with ``df`` degrees of freedom.
    Returns the coefficient table (``estimate, std_error, z, p_value, ci_low, ci_high, odds_ratio``, ``z``
    being the t statistic) with ``df``, ``riv`` (relative increase in variance) and ``fmi`` (fraction of
    missing information).
    """
    est = np.stack([f.table["estimate"].to_numpy(dtype=float) for f in fits])
    se = np.stack([f.table["std_error"].to_numpy(dtype=float) for f in fits])
    m = len(fits)
    qbar, ubar = est.mean(axis=0), (se ** 2).mean(axis=0)
    b = est.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    lam = np.maximum((1 + 1 / m) * b / t, 1e-4)
    df_old = (m - 1) / lam ** 2
    df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    df = df_old if np.isinf(dfcom) else df_old * df_obs / (df_old + df_obs)
    riv = (1 + 1 / m) * b / ubar
    se_pooled = np.sqrt(t)
    tstat = qbar / se_pooled
    crit = stats.t.ppf(0.5 + ci_level / 2, df)
    return pd.DataFrame({
        "estimate": qbar, "std_error": se_pooled, "z": tstat, "p_value": 2 * stats.t.sf(np.abs(tstat), df),
        "ci_low": qbar - crit * se_pooled, "ci_high": qbar + crit * se_pooled, "odds_ratio": np.exp(qbar),
        "df": df, "riv": riv, "fmi": (riv + 2 / (df + 3)) / (riv + 1),
    }, index=fits[0].table.index)


def fit_imputed(fit: Callable[[pd.DataFrame], ModelResult], data: pd.DataFrame, columns: Sequence[str],
                n_imputations: int, seed: int | None, auxiliary: Sequence[str] = (),
                ci_level: float = 0.95) -> ModelResult:
    """Impute, fit every completed data set with ``fit`` and pool (see module); a :class:`ModelResult`."""
    n_missing_rows = int(data[list(columns)].isna().any(axis=1).sum())
    fits = [fit(completed) for completed in impute(data, columns, n_imputations, seed, auxiliary)]
    first = fits[0]
    estimable = [f.table["estimate"].notna() & np.isfinite(f.table["estimate"]) for f in fits]
    if not all(e.all() for e in estimable):
        raise ValueError("a coefficient is not estimable in some imputed data sets (separation or no variation); "
                         "pooling needs finite estimates: use firth=True or complete cases")
    events = first.n_events if first.n_events else first.n_obs
    table = rubin_pool(fits, dfcom=max(events - len(first.table), 1), ci_level=ci_level)
    warnings = [w for w in first.warnings if "missing value" not in w]
    if any(f.firth != first.firth for f in fits):
        raise ValueError("the imputed data sets disagree on separation; fix firth=True or firth=False")
    method = (f"{first.method} Missing answers ({n_missing_rows} row(s) with at least one) were filled by "
              f"multiple imputation by chained equations (predictive mean matching with 5 donors; "
              f"{n_imputations} data sets, seed {seed}), the model was fitted on each completed data set and the "
              "fits pooled by Rubin's rules (Barnard-Rubin degrees of freedom, as R mice::pool); pooled p-values "
              f"and {ci_level:.0%} intervals are t-based with Wald standard errors.")
    return ModelResult(
        table=table, n_obs=first.n_obs, n_groups=first.n_groups, loglik=float("nan"),
        converged=all(f.converged for f in fits), warnings=warnings, method=method, model=first.model,
        n_missing=0, firth=first.firth, separated=first.separated, missing="impute",
        n_imputations=n_imputations, n_uninformative=first.n_uninformative, n_events=first.n_events,
    )
