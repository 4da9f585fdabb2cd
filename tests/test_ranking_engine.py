"""The vectorised paired Wilcoxon kernel against scipy on the expanded (resampled) data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wilcoxon

from challengelab.ranking.engine import PairedWilcoxon, counts_from_indices


def expanded_pvalue(x: np.ndarray, y: np.ndarray, counts: np.ndarray, alternative: str) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    xs, ys = np.repeat(x[keep], counts[keep].astype(int)), np.repeat(y[keep], counts[keep].astype(int))
    if len(xs) == 0:
        return np.nan
    if np.all(xs == ys):
        return 1.0  # R: every difference zero
    return wilcoxon(xs, ys, alternative=alternative, method="approx", correction=True, zero_method="wilcox").pvalue


@pytest.mark.parametrize("decimals, missing", [(1, False), (2, True), (6, False)])
def test_weighted_pvalues_equal_scipy_on_expanded_data(decimals, missing):
    rng = np.random.default_rng(decimals)
    n, k = 25, 5
    values = np.round(rng.normal(0.7, 0.1, (n, k)) + np.linspace(0, 0.1, k), decimals)
    values[:, 4] = values[:, 3]  # a pair with only zero differences
    values[3, 1] = values[3, 0]
    if missing:
        values[rng.random((n, k)) < 0.1] = np.nan
    kernel = PairedWilcoxon(values)
    indices = rng.integers(0, n, size=(6, n))
    counts = np.vstack([np.ones(n), counts_from_indices(indices, n)])
    p = kernel.pvalues(counts)
    for b in range(len(counts)):
        for i in range(k):
            for j in range(k):
                if i != j:
                    expected = expanded_pvalue(values[:, i], values[:, j], counts[b], "greater")
                    assert p[b, i, j] == pytest.approx(expected, rel=1e-9, nan_ok=True), (b, i, j)
    assert (p[:, 3, 4] == 1.0).all() and (p[:, 4, 3] == 1.0).all()


def test_the_compiled_loop_works_where_no_cache_folder_can_be_written(monkeypatch):
    import importlib

    from numba.core import caching

    import challengelab.ranking.signed_rank_loop as loop

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # as on a read-only install and home
    with pytest.raises(RuntimeError, match="no locator"):
        caching.FunctionCache(expanded_pvalue)
    fresh = importlib.reload(loop)
    try:
        cases = np.array([2, 0, 1], np.int64)  # d = (-1, 2, 0.5) sorted by |d|: positives of rank 1 and 3
        out = fresh.signed_rank_sums(np.ones((1, 3)), cases, np.ones(3, bool), np.array([True, False, True]),
                                     np.array([0, 3], np.int64))
        assert [float(x[0, 0]) for x in out] == [2.0 * (1 + 3), 3.0, 0.0]
    finally:
        monkeypatch.undo()
        importlib.reload(loop)
