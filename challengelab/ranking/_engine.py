"""Vectorised numerical kernels of the ranking methods (internal).

Every kernel works on a stack of replicates: the full data is the stack of one replicate with every case weighted
once, a bootstrap sample is a row of case counts (or of resampled case indices). Using one code path for both
guarantees that the full-data ranking and the bootstrap replay agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr

# ---------------------------------------------------------------------------------------------- ranking
def rank_rows(badness: np.ndarray, ties: str, tolerance: float = 0.0, keys: np.ndarray | None = None) -> np.ndarray:
    """Rank the last axis of ``badness`` (smaller = better, rank 1) like R's ``rank``.

    NaN ranks last (all NaN entries tied with each other). Values whose consecutive sorted differences are at
    most ``tolerance * max(1, max |finite value|)`` form one tie group (the chain of near-equal values).
    ``keys`` are uniform random numbers of the same shape used to break ties when ``ties == "random"``.
    """
    b = np.asarray(badness, dtype=float)
    squeeze = b.ndim == 1
    if squeeze:
        b = b[None, :]
        keys = None if keys is None else np.asarray(keys)[None, :]
    k = b.shape[-1]
    if k == 0:
        return b.copy()
    filled = np.where(np.isnan(b), np.inf, b)
    order = np.argsort(filled, axis=-1, kind="stable")
    s = np.take_along_axis(filled, order, axis=-1)
    finite = np.where(np.isfinite(s), np.abs(s), 0.0)
    scale = np.maximum(1.0, finite.max(axis=-1, keepdims=True)) * tolerance
    with np.errstate(invalid="ignore"):
        gap = np.diff(s, axis=-1)
        new_group = ~(gap <= scale)  # inf - inf = nan -> same group (the NaN block)
        new_group &= ~(np.isinf(s[..., 1:]) & np.isinf(s[..., :-1]))
    pos = np.broadcast_to(np.arange(k), s.shape)
    is_start = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), new_group], axis=-1)
    is_end = np.concatenate([new_group, np.ones(s.shape[:-1] + (1,), bool)], axis=-1)
    start = np.maximum.accumulate(np.where(is_start, pos, 0), axis=-1)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(is_end, pos, k - 1), axis=-1), axis=-1), axis=-1)
    if ties == "min":
        sorted_ranks = start + 1.0
    elif ties == "max":
        sorted_ranks = end + 1.0
    elif ties == "average":
        sorted_ranks = (start + end) / 2.0 + 1.0
    elif ties in ("first", "random"):
        group = np.cumsum(is_start, axis=-1) - 1
        if ties == "first":
            within = order.astype(float) / k  # original position breaks ties
        else:
            if keys is None:
                raise ValueError("ties='random' needs random keys")
            within = np.take_along_axis(np.asarray(keys, dtype=float), order, axis=-1)
        order2 = np.argsort(group + within, axis=-1, kind="stable")
        sorted_ranks = np.empty(s.shape)
        np.put_along_axis(sorted_ranks, order2, pos + 1.0, axis=-1)
    else:
        raise ValueError(f"unknown ties method {ties!r}")
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    return ranks[0] if squeeze else ranks


def rank_cases(values: np.ndarray, ties: str, keys: np.ndarray | None = None) -> np.ndarray:
    """Rank algorithms within every case (rows of ``values``, larger is better already applied as ``-``).

    ``values`` is badness (smaller = better). Missing values get the worst rank of their case plus one
    (challengeR's rule: ``max(rank of present values) + 1``, 1 when every value is missing).
    """
    ranks = rank_rows(values, ties, 0.0, keys)
    nan = np.isnan(values)
    if nan.any():
        present_max = np.where(nan, 0.0, ranks).max(axis=-1, keepdims=True)
        ranks = np.where(nan, present_max + 1.0, ranks)
    return ranks


# ---------------------------------------------------------------------------------------------- aggregation
def counts_from_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """Case counts ``(B, n)`` of resampled case indices ``(B, n)``."""
    b = indices.shape[0]
    flat = (indices + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def exact_mean(values: np.ndarray) -> np.ndarray:
    """Column means over present values, with a correctly rounded sum (``math.fsum``)."""
    out = np.empty(values.shape[1])
    for j in range(values.shape[1]):
        col = values[:, j]
        col = col[~np.isnan(col)]
        out[j] = math.fsum(col) / len(col) if len(col) else np.nan
    return out


def weighted_mean(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Means ``(B, k)`` of ``values (n, k)`` under case ``counts (B, n)``, ignoring NaN values."""
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts @ np.where(present, values, 0.0)) / (counts @ present.astype(float))


def order_statistic(samples: np.ndarray, what: str | float) -> np.ndarray:
    """Median or type-7 quantile along axis -2 of ``samples (..., n, k)``, ignoring NaN."""
    s = np.sort(samples, axis=-2)  # NaN sort last
    nv = (~np.isnan(samples)).sum(axis=-2)  # (..., k)
    empty = nv == 0
    nv1 = np.maximum(nv, 1)
    if what == "median":
        lo, hi = (nv1 - 1) // 2, nv1 // 2
        a = np.take_along_axis(s, lo[..., None, :], axis=-2)[..., 0, :]
        b = np.take_along_axis(s, hi[..., None, :], axis=-2)[..., 0, :]
        out = np.where(lo == hi, a, (a + b) / 2.0)
    else:
        p = float(what)
        index = (nv1 - 1) * p
        lo = np.floor(index).astype(int)
        hi = np.ceil(index).astype(int)
        h = index - lo
        a = np.take_along_axis(s, lo[..., None, :], axis=-2)[..., 0, :]
        b = np.take_along_axis(s, hi[..., None, :], axis=-2)[..., 0, :]
        out = np.where((h > 0) & (b != a), (1.0 - h) * a + h * b, a)  # R's quantile(type = 7)
    return np.where(empty, np.nan, out)


def call_aggregate(function: Callable[..., Any], samples: np.ndarray) -> np.ndarray:
    """Apply a user aggregate to every column of ``samples (..., n, k)`` (present values only)."""
    lead = samples.shape[:-2]
    flat = samples.reshape((-1,) + samples.shape[-2:])
    out = np.empty((flat.shape[0], flat.shape[2]))
    for r in range(flat.shape[0]):
        for j in range(flat.shape[2]):
            col = flat[r, :, j]
            col = col[~np.isnan(col)]
            out[r, j] = float(function(col)) if len(col) else np.nan
    return out.reshape(lead + (flat.shape[2],))


# ---------------------------------------------------------------------------------------------- Wilcoxon
class PairedWilcoxon:
    """One-sided paired Wilcoxon signed-rank tests for every pair of columns, under many case weightings.

    Normal approximation with continuity correction and tie correction, zeros dropped (``zero_method="wilcox"``),
    as R's ``wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = TRUE)``.

    The absolute differences of every pair are sorted and grouped into ties once. A bootstrap replicate only
    changes the case weights (counts), so a tie group's weight, its average rank (cumulative weight before it
    plus ``(weight + 1) / 2``) and the signed-rank sums follow from segmented sums over the presorted entries of
    all pairs at once (differences of cumulative sums): no sorting per replicate. All intermediate values are integers or
    half-integers, exact in float64.

    ``goodness (n, k)``: larger is better; NaN differences are excluded (pairwise complete cases).
    """

    def __init__(self, goodness: np.ndarray):
        n, k = goodness.shape
        self.n, self.k = n, k
        self.first, self.second = np.triu_indices(k, 1)
        d = goodness[:, self.first] - goodness[:, self.second]  # (n, P)
        with np.errstate(invalid="ignore"):
            valid = ~np.isnan(d) & (d != 0)
        absd = np.where(valid, np.abs(d), np.inf)
        order = np.argsort(absd, axis=0, kind="stable")
        s = np.take_along_axis(absd, order, axis=0).T  # (P, n)
        case = order.T
        keep = np.take_along_axis(valid, order, axis=0).T
        positive = np.take_along_axis(valid & (np.nan_to_num(d) > 0), order, axis=0).T
        new_group = np.ones_like(s, bool)
        new_group[:, 1:] = s[:, 1:] != s[:, :-1]
        # flatten the valid entries of all pairs (pair-major, sorted within a pair)
        self.case = case[keep]
        self.positive = positive[keep].astype(float)
        n_valid = keep.sum(axis=1)
        self.tested = np.flatnonzero(n_valid > 0)  # pairs with at least one non-zero difference
        entry_start = np.concatenate([[0], np.cumsum(n_valid)])  # (P + 1,) entry offsets of the pairs
        starts_group = (new_group & keep)[keep]
        starts_group[entry_start[:-1][n_valid > 0]] = True  # a pair's first entry always opens a group
        self.group_start = np.flatnonzero(starts_group)  # entry index of every tie group
        self.group_end = np.append(self.group_start[1:], len(self.case))  # exclusive
        group_pair = np.searchsorted(entry_start, self.group_start, side="right") - 1
        self.group_pair_start = entry_start[group_pair]  # first entry of the group's pair
        pair_of_tested = self.tested
        self.pair_entry_start = entry_start[pair_of_tested]
        self.pair_entry_end = entry_start[pair_of_tested + 1]
        self.pair_group_start = np.searchsorted(self.group_start, self.pair_entry_start)
        self.pair_group_end = np.searchsorted(self.group_start, self.pair_entry_end)
        self.ties = len(self.group_start) < len(self.case)

    @property
    def n_pairs(self) -> int:
        return len(self.first)

    def pvalues(self, counts: np.ndarray) -> np.ndarray:
        """Ordered-pair p-values ``(B, k, k)``: entry ``[b, i, j]`` tests "i is better than j"; diagonal NaN.

        Segmented sums are differences of cumulative sums; every value is an integer or a half-integer far
        below 2**53, so they are exact.
        """
        b = counts.shape[0]
        k = self.k
        out = np.full((b, k, k), np.nan)
        if len(self.tested) == 0:
            return out
        w = np.take(counts, self.case, axis=1)  # (B, L) case weights in presorted order
        cw = _cumsum0(w)
        cp = _cumsum0(w * self.positive)
        if self.ties:
            t = np.take(cw, self.group_end, axis=1) - np.take(cw, self.group_start, axis=1)
            t_pos = np.take(cp, self.group_end, axis=1) - np.take(cp, self.group_start, axis=1)
            before = np.take(cw, self.group_start, axis=1) - np.take(cw, self.group_pair_start, axis=1)
        else:  # every group is one entry
            t, t_pos = w, w * self.positive
            before = cw[:, :-1] - np.take(cw, self.group_pair_start, axis=1)
        t_plus = _segment_sums(t_pos * (before + (t + 1.0) / 2.0), self.pair_group_start, self.pair_group_end)
        ties = _segment_sums(t * t * t - t, self.pair_group_start, self.pair_group_end) if self.ties else 0.0
        n_eff = np.take(cw, self.pair_entry_end, axis=1) - np.take(cw, self.pair_entry_start, axis=1)
        mean = n_eff * (n_eff + 1.0) / 4.0
        var = n_eff * (n_eff + 1.0) * (2.0 * n_eff + 1.0) / 24.0 - ties / 48.0
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.where(var > 0, var, np.nan))
            p_greater = ndtr(-(t_plus - mean - 0.5) / sd)  # first better than second
            p_less = ndtr((t_plus - mean + 0.5) / sd)  # second better than first
        first, second = self.first[self.tested], self.second[self.tested]
        out[:, first, second] = p_greater
        out[:, second, first] = p_less
        return out


def _cumsum0(x: np.ndarray) -> np.ndarray:
    """Cumulative sums along axis 1 with a leading zero column."""
    out = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(x, axis=1, out=out[:, 1:])
    return out


def _segment_sums(x: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Sums of ``x[:, start:end]`` for every segment (exclusive ends)."""
    c = _cumsum0(x)
    return np.take(c, end, axis=1) - np.take(c, start, axis=1)


# ---------------------------------------------------------------------------------------------- p-value adjustment
def adjust_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust every row of ``p (B, m)`` together, as R's ``p.adjust`` (NaN stays NaN but counts as a test)."""
    p = np.asarray(p, dtype=float)
    if method == "none" or p.shape[-1] == 0:
        return p.copy()
    nan = np.isnan(p)
    q = np.where(nan, 1.0, p)
    m = q.shape[-1]
    if method == "bonferroni":
        out = np.minimum(1.0, q * m)
    elif method in ("holm", "hochberg", "fdr_bh", "fdr_by"):
        order = np.argsort(q, axis=-1, kind="stable")
        s = np.take_along_axis(q, order, axis=-1)
        i = np.arange(1, m + 1)
        if method == "holm":
            adj = np.maximum.accumulate((m - i + 1) * s, axis=-1)
        elif method == "hochberg":
            adj = np.flip(np.minimum.accumulate(np.flip((m - i + 1) * s, axis=-1), axis=-1), axis=-1)
        else:
            factor = 1.0 if method == "fdr_bh" else float(np.sum(1.0 / i))
            adj = np.flip(np.minimum.accumulate(np.flip(factor * m / i * s, axis=-1), axis=-1), axis=-1)
        adj = np.minimum(1.0, adj)
        out = np.empty_like(q)
        np.put_along_axis(out, order, adj, axis=-1)
    elif method == "hommel":
        from statsmodels.stats.multitest import multipletests

        rows = q.reshape(-1, m)
        out = np.vstack([multipletests(row, method="hommel")[1] for row in rows]).reshape(q.shape)
    else:
        raise ValueError(f"unknown p_adjust method {method!r}")
    return np.where(nan, np.nan, out)
