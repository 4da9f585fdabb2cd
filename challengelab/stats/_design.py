"""Input validation and design matrices for the DataFrame-level models (validate here, trust data inside)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

INTERCEPT = "(Intercept)"


def as_list(names: str | Sequence[str] | None) -> list[str]:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {', '.join(map(repr, missing))} not found in the data")
    for c in columns:
        if data[c].notna().sum() == 0:
            raise ValueError(f"column {c!r} has no non-missing values")


def complete_cases(data: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Rows without a missing value in ``columns`` and the number of rows dropped."""
    mask = data[list(columns)].notna().all(axis=1).to_numpy()
    return data.loc[mask], int((~mask).sum())


def binary_vector(series: pd.Series, name: str) -> np.ndarray:
    """0/1 float vector from a boolean / 0-1 column (no missing values); ValueError naming the column."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        raise ValueError(f"{name!r} must be binary (True/False or 0/1), but it is categorical")
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64").to_numpy()
    values = pd.to_numeric(series.astype("object"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        examples = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in series[bad].unique()[:3])
        raise ValueError(f"{name!r} must be binary (True/False or 0/1); found {examples}")
    return values


@dataclass(frozen=True)
class Design:
    matrix: np.ndarray
    names: list[str]


def design_matrix(data: pd.DataFrame, predictors: Sequence[str], intercept: bool = False) -> Design:
    """Numeric design matrix: booleans as 0/1, numbers as they are, categories as treatment dummies.

    A categorical predictor ``c`` with levels ``a, b, c`` becomes the columns ``c[b]`` and ``c[c]`` (the
    first level is the reference). Rows must be complete (see :func:`complete_cases`).
    """
    columns: list[np.ndarray] = []
    names: list[str] = []
    if intercept:
        columns.append(np.ones(len(data)))
        names.append(INTERCEPT)
    for name in predictors:
        s = data[name]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
            cats = s.astype("category")
            levels = [lv for lv in cats.cat.categories if (cats == lv).any()]
            for level in levels[1:]:
                columns.append((cats == level).to_numpy(dtype=float))
                names.append(f"{name}[{level}]")
        else:
            try:
                columns.append(s.astype("float64").to_numpy())
            except (TypeError, ValueError) as exc:
                raise ValueError(f"predictor {name!r} is not numeric, boolean or categorical") from exc
            names.append(name)
    matrix = np.column_stack(columns) if columns else np.empty((len(data), 0))
    return Design(matrix, names)


def constant_columns(design: Design, groups: np.ndarray | None = None) -> list[str]:
    """Names of design columns without variation (within every group, when integer group codes are given)."""
    x = design.matrix
    if groups is None:
        varies = np.ptp(x, axis=0) > 0 if len(x) else np.zeros(x.shape[1], dtype=bool)
    else:
        counts = np.bincount(groups).astype(float)
        means = np.stack([np.bincount(groups, weights=x[:, j]) for j in range(x.shape[1])], axis=1)
        means /= np.where(counts > 0, counts, 1)[:, None]
        varies = np.abs(x - means[groups]).max(axis=0, initial=0.0) > 1e-12
    return [name for name, v in zip(design.names, varies, strict=True) if not v and name != INTERCEPT]


def stratified_terms(design: Design, x: np.ndarray, codes: np.ndarray, strata: str,
                     warnings: list[str]) -> tuple[np.ndarray, list[str]]:
    """Columns of ``x`` that vary within some stratum, and their names; the others are named in ``warnings``."""
    constant = constant_columns(design.__class__(x, design.names), codes)
    usable = [j for j, name in enumerate(design.names) if name not in constant]
    if constant:
        warnings.append(f"{format_terms(constant)} do(es) not vary within any {strata}; the effect is not "
                        "identifiable in a stratified model and was left out (NaN).")
    return x[:, usable], [design.names[j] for j in usable]


def newton(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]],
    beta0: np.ndarray,
    max_iter: int = 100,
    tol: float = 1e-10,
    max_halvings: int = 30,
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, bool, int]:
    """Maximise a concave log-likelihood by Newton–Raphson with step halving.

    ``fun`` returns (loglik, gradient, Hessian). Stops when the Newton decrement is below ``tol``.
    Returns (beta, loglik, gradient, Hessian, converged, iterations); ``converged`` means the gradient,
    scaled by the standard errors, is numerically zero (it is checked, not assumed).
    """
    beta = np.asarray(beta0, dtype=float).copy()
    ll, grad, hess = fun(beta)
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(-hess, grad, rcond=None)[0]
        decrement = float(grad @ step)
        if not np.isfinite(decrement) or abs(decrement) < tol:
            break
        t = 1.0
        for _ in range(max_halvings):
            cand = beta + t * step
            ll_new, g_new, h_new = fun(cand)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * (1 + abs(ll)):
                break
            t /= 2
        else:
            break
        beta, ll, grad, hess = cand, ll_new, g_new, h_new
    return beta, ll, grad, hess, gradient_is_zero(grad, hess), it


def gradient_is_zero(grad: np.ndarray, hess: np.ndarray, tol: float = 1e-5) -> bool:
    """Convergence check: every gradient component times its standard error is below ``tol``."""
    if grad.size == 0:
        return True
    if not np.all(np.isfinite(grad)):
        return False
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.abs(np.diag(np.linalg.pinv(-hess))))
    scaled = np.abs(grad) * np.where(np.isfinite(se) & (se > 0), se, 1.0)
    return bool(np.all(scaled < tol) or np.max(np.abs(grad)) < 1e-8)


def format_terms(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def missing_rows_warning(n_missing: int, columns: Sequence[str]) -> list[str]:
    """The warning (as a 0- or 1-element list) that ``n_missing`` incomplete rows were left out of a fit."""
    if not n_missing:
        return []
    names = list(dict.fromkeys(columns))
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return [f"{n_missing} row(s) with a missing value in {listed} were dropped."]
