"""Strategy tests: is a binary strategy more common among winners than among their own competitors?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from challengelab.vocabulary import outcome_key
from challengelab.stats._survey import (
    check_item,
    outcome_series,
    plural,
    responses_of,
    strategy_items,
)
from challengelab.stats.adjust import ADJUST_METHODS, p_adjust
from challengelab.stats.cmh import StratifiedTables, asymptotic_cmh, exact_conditional_test, tables_from_arrays

TEST_COLUMNS = ["item", "n_strata", "winners_with", "winners_total", "others_with", "others_total", "n_missing",
                "odds_ratio", "ci_low", "ci_high", "p_value", "p_adjusted", "test", "note"]
TESTS = ("exact_cmh", "cmh", "fisher")
#: Default minimum number of users and of non-users for an item to be tested (strategy tests and the analysis).
MIN_COUNT = 5


def strategy_tests(
    survey: Any,
    items: Sequence[str] | None = None,
    outcome: str = "winner",
    test: Literal["exact_cmh", "cmh", "fisher"] = "exact_cmh",
    adjust: Literal["holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by", "none"] = "holm",
    k: int | None = None,
    q: float | None = None,
    strata: str = "task_id",
    ci_level: float = 0.95,
    min_count: int = MIN_COUNT,
    correct: bool = True,
) -> pd.DataFrame:
    """Per binary item, the association between using it and the outcome, within tasks.

    ``exact_cmh`` (default) is the exact conditional test of a common odds ratio across tasks (R
    ``mantelhaen.test(exact = TRUE)``): each team is compared only with teams of the same task, so a strategy
    that is merely more common in large competitions is not mistaken for a winning one. ``cmh`` is the
    asymptotic Cochran-Mantel-Haenszel test and the Mantel-Haenszel odds ratio with the Robins-Breslow-Greenland
    interval, exactly as R ``mantelhaen.test`` (with ``correct``: the continuity correction of 0.5 is applied
    only when the total deviation from the expected count is at least 0.5, as R). ``fisher`` pools all tasks (unstratified
    Fisher exact test with the conditional MLE odds ratio, as R ``fisher.test``). p-values are adjusted over
    the items tested (R ``p.adjust``, see :func:`challengelab.stats.adjust.p_adjust`).

    Parameters
    ----------
    survey : Survey or pandas.DataFrame
    items : list of str, optional
        Binary items; default: the binary items of the strategy and algorithm sections.
    outcome : str
        ``winner``, ``top_k`` (with ``k``), ``top_fraction`` (with ``q``) or a binary column.
    test : {"exact_cmh", "cmh", "fisher"}
    adjust : {"holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by", "none"}
    k, q : optional
        Parameters of the ``top_k`` / ``top_fraction`` outcomes.
    strata : str
        Stratum column of the stratified tests.
    ci_level : float
    min_count : int
        Items used by fewer than ``min_count`` teams, or not used by fewer than ``min_count``, are reported but
        not tested (and not counted in the adjustment). Default :data:`MIN_COUNT`.
    correct : bool
        Continuity correction of the asymptotic ``cmh`` test (R's ``correct``).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item, n_strata, winners_with, winners_total, others_with, others_total,
        n_missing, odds_ratio, ci_low, ci_high, p_value, p_adjusted, test, note``. "winners" are the rows with
        the outcome, "others" those without; ``n_strata`` counts the informative strata used.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import strategy_tests
    >>> d = pd.DataFrame({"task_id": ["a"] * 4 + ["b"] * 4, "winner": [True, False, False, False] * 2,
    ...                   "aug": [True, True, False, False, True, False, True, False]})
    >>> t = strategy_tests(d, items=["aug"], min_count=0)
    >>> t.loc[0, ["winners_with", "winners_total", "n_strata"]].tolist()
    [2, 2, 2]
    """
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}, not {test!r}")
    if adjust not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {', '.join(ADJUST_METHODS)}, not {adjust!r}")
    if outcome == "rank":
        raise ValueError("strategy tests need a binary outcome (winner, top_k, top_fraction or a binary column)")
    responses, codebook = responses_of(survey)
    items = strategy_items(responses, codebook) if items is None else list(items)
    if not items:
        raise ValueError("no binary items to test")
    for name in items:
        kind = check_item(name, responses, codebook)
        if kind != "binary":
            raise ValueError(f"item {name!r} is {kind}, not binary; strategy tests need a binary item")
    y, _label = outcome_series(responses, outcome, k, q)
    stratified = test != "fisher"
    if stratified:
        if strata not in responses.columns:
            raise ValueError(f"stratum column {strata!r} not found in the responses")
        if responses[strata].nunique(dropna=True) < 2:
            raise ValueError(f"the stratified test needs at least two strata of {strata!r}; the data has one "
                             "(use test='fisher' for a single task)")
    y_values = _as_float(y)
    if stratified:
        codes = pd.factorize(responses[strata])[0]  # -1 = missing
    else:
        codes = np.zeros(len(responses), dtype=int)
    rows = []
    for name in items:
        x_values = _as_float(responses[name])
        rows.append(_test_item(name, x_values, y_values, codes, (test, correct), ci_level, min_count,
                               outcome_key(outcome, k, q)))
    p = np.array([row["p_value"] for row in rows], dtype=float)
    tested = ~np.isnan(p)
    adjusted = np.full(len(p), np.nan)
    adjusted[tested] = p_adjust(p[tested], adjust)
    for row, value in zip(rows, adjusted, strict=True):
        row.update(p_adjusted=float(value), test=test)
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def _test_item(name: str, x_all: np.ndarray, y_all: np.ndarray, codes_all: np.ndarray, test: tuple[str, bool],
               ci_level: float, min_count: int, outcome: str) -> dict:
    test, correct = test
    keep = ~np.isnan(x_all) & ~np.isnan(y_all) & (codes_all >= 0)
    n_missing = int((~keep).sum())
    x, y = x_all[keep].astype(bool), y_all[keep].astype(bool)
    codes = codes_all[keep]
    row = {"item": name, "n_strata": 0, "winners_with": int((x & y).sum()), "winners_total": int(y.sum()),
           "others_with": int((x & ~y).sum()), "others_total": int((~y).sum()), "n_missing": n_missing,
           "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    notes = []
    if n_missing:
        notes.append(f"{plural(n_missing, 'row')} with a missing answer or outcome left out")
    used, unused = int(x.sum()), int((~x).sum())
    if min(used, unused) < min_count:
        notes.insert(0, f"not tested: {plural(min(used, unused), 'team')} "
                        f"{'used' if used < unused else 'did not use'} it (fewer than min_count = {min_count})")
        row["note"] = "; ".join(notes)
        return row
    if test == "fisher":  # one stratum: the exact conditional test is Fisher's (R fisher.test)
        row["n_strata"] = 1
        tables = tables_from_arrays(x.astype(float), y.astype(float), np.zeros(len(x), dtype=int))
        if len(tables.a):
            row.update(_exact(tables, ci_level))
        else:  # no contrast at all: nothing to estimate, and p = 1 as fisher.test
            row["p_value"] = 1.0
    else:
        tables = tables_from_arrays(x.astype(float), y.astype(float), pd.factorize(codes)[0])
        row["n_strata"] = len(tables.a)
        if tables.n_dropped:
            notes.append(f"{plural(tables.n_dropped, 'task')} without information (no contrast in the strategy "
                         "or the outcome) dropped")
        if len(tables.a) == 0:
            notes.insert(0, "not tested: no task has both users and non-users among both outcome groups")
            row["note"] = "; ".join(notes)
            return row
        row.update(_exact(tables, ci_level) if test == "exact_cmh" else _asymptotic(tables, ci_level, correct))
    if row["odds_ratio"] == np.inf:
        notes.insert(0, f"every team with {outcome} in the informative tasks used it (separation): the odds ratio "
                        "is infinite, only its lower bound is informative")
    elif row["odds_ratio"] == 0:
        notes.insert(0, f"no team with {outcome} in the informative tasks used it (separation): the odds ratio "
                        "is zero, only its upper bound is informative")
    row["note"] = "; ".join(notes)
    return row


def _exact(tables: StratifiedTables, ci_level: float) -> dict:
    res = exact_conditional_test(tables, "two-sided", ci_level)
    return {k: res[k] for k in ("odds_ratio", "ci_low", "ci_high", "p_value")}


def _asymptotic(tables: StratifiedTables, ci_level: float, correct: bool) -> dict:
    res = asymptotic_cmh(tables, ci_level, correct)
    return {k: res[k] for k in ("odds_ratio", "ci_low", "ci_high", "p_value")}


def _as_float(series: pd.Series) -> np.ndarray:
    """0/1 floats with NaN for missing, from a boolean, nullable boolean or 0/1 numeric column."""
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan) \
            if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) else series.to_numpy(dtype=float)
    return series.astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
