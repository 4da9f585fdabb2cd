"""Vectorised numerical kernels shared by the ranking methods, the bootstrap and the consensus.

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
def rank_rows(badness: np.ndarray, ties: str, tolerance: float = 0.0, keys: np.ndarray | None = None,
              first_order: np.ndarray | None = None) -> np.ndarray:
    """Rank the last axis of ``badness`` (smaller = better, rank 1) like R's ``rank``.

    NaN ranks last (all NaN entries tied with each other). Two consecutive sorted values ``a <= b`` are tied
    when ``b - a <= tolerance * max(|a|, |b|)``: the tolerance is relative to the values' own scale, so values
    of 1e-11 that differ by 1e-12 are not tied, and exactly equal values always are. A tie group is the chain
    of such near-equal neighbours. ``keys`` are uniform random numbers of the same shape that break ties when
    ``ties == "random"``; ``first_order`` (a position per column, default the column order) breaks them when
    ``ties == "first"``.

    Examples
    --------
    >>> rank_rows(np.array([3e-11, 1e-11, 2e-11, 1e-11]), "min", tolerance=1e-10).tolist()
    [4.0, 1.0, 3.0, 1.0]
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
    with np.errstate(invalid="ignore"):
        gap = np.diff(s, axis=-1)
        scale = tolerance * np.maximum(np.abs(s[..., 1:]), np.abs(s[..., :-1]))
        scale = np.where(np.isfinite(scale), scale, 0.0)  # a finite value never ties with the NaN block
        new_group = ~(gap <= scale)  # inf - inf = nan -> same group (the NaN block)
        new_group &= ~(np.isinf(s[..., 1:]) & np.isinf(s[..., :-1]))
    is_start = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), new_group], axis=-1)
    is_end = np.concatenate([new_group, np.ones(s.shape[:-1] + (1,), bool)], axis=-1)
    sorted_ranks = _group_ranks(is_start, is_end, order, ties, keys, first_order)
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    return ranks[0] if squeeze else ranks


def _group_ranks(is_start: np.ndarray, is_end: np.ndarray, order: np.ndarray, ties: str,
                 keys: np.ndarray | None, first_order: np.ndarray | None) -> np.ndarray:
    """Ranks of the sorted positions, given where the tie groups start and end."""
    k = is_start.shape[-1]
    pos = np.broadcast_to(np.arange(k), is_start.shape)
    start = np.maximum.accumulate(np.where(is_start, pos, 0), axis=-1)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(is_end, pos, k - 1), axis=-1), axis=-1), axis=-1)
    if ties == "min":
        return start + 1.0
    if ties == "max":
        return end + 1.0
    if ties == "average":
        return (start + end) / 2.0 + 1.0
    if ties not in ("first", "random"):
        raise ValueError(f"unknown ties method {ties!r}")
    group = np.cumsum(is_start, axis=-1) - 1
    if ties == "first":
        position = np.arange(k) if first_order is None else np.asarray(first_order)
        within = position[order].astype(float) / k
    else:
        if keys is None:
            raise ValueError("ties='random' needs random keys")
        within = np.take_along_axis(np.asarray(keys, dtype=float), order, axis=-1)
    order2 = np.argsort(group + within, axis=-1, kind="stable")
    sorted_ranks = np.empty(is_start.shape)
    np.put_along_axis(sorted_ranks, order2, pos + 1.0, axis=-1)
    return sorted_ranks


def rank_cases(values: np.ndarray, ties: str, keys: np.ndarray | None = None,
               first_order: np.ndarray | None = None) -> np.ndarray:
    """Rank algorithms within every case (rows of ``values``; badness: smaller is better).

    Missing values rank after every present value of their case. With ``ties="min"`` or ``"random"`` each gets
    the largest present rank plus one and with ``"average"`` the largest present rank plus ``(m + 1) / 2`` for
    ``m`` missing values (both as challengeR's ``rankNA2``; 1 and ``(m + 1) / 2`` when all are missing). With
    ``"max"`` they share the last rank ``k`` and with ``"first"`` they take the last ranks in ``first_order``
    (challengeR leaves them unranked with these two, so they drop out of its aggregate). ``first_order``
    defaults to the input (column) order, which is challengeR's row order within a case.

    Examples
    --------
    >>> rank_cases(np.array([[0.2, np.nan, 0.1, np.nan]]), "average").tolist()
    [[2.0, 3.5, 1.0, 3.5]]
    """
    ranks = rank_rows(values, ties, 0.0, keys, first_order)
    nan = np.isnan(values)
    if nan.any() and ties in ("min", "random", "average"):
        present_max = np.where(nan, 0.0, ranks).max(axis=-1, keepdims=True)
        m = nan.sum(axis=-1, keepdims=True)
        ranks = np.where(nan, present_max + (1.0 if ties != "average" else (m + 1.0) / 2.0), ranks)
    return ranks


def occurrence_numbers(indices: np.ndarray) -> np.ndarray:
    """For every draw in ``indices (B, n)``, how many earlier draws of the row picked the same case."""
    order = np.argsort(indices, axis=1, kind="stable")
    s = np.take_along_axis(indices, order, axis=1)
    pos = np.broadcast_to(np.arange(indices.shape[1]), s.shape)
    start = np.ones(s.shape, bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run_start = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
    out = np.empty(indices.shape, np.int64)
    np.put_along_axis(out, order, pos - run_start, axis=1)
    return out


class CaseTieLayout:
    """Per-case tie structure for ranking ``c`` copies of a case together (challengeR's bootstrap).

    For a present value: ``b`` algorithms strictly better, a tie group of ``t`` (itself included) and its
    position ``p`` in the group (input order, or random ``keys``). With ``c`` copies and the ``o``-th copy (0-based), R's
    ``rank`` of the ``c * k`` entries gives: min ``c b + 1``, max ``c (b + t)``, average ``c b + (c t + 1) / 2``,
    first ``c b + p + 1 + t o``. Missing values follow :func:`rank_cases` on the ``c * k`` entries.
    """

    def __init__(self, badness: np.ndarray, ties: str, keys: np.ndarray | None = None):
        self.ties = ties
        self.k = badness.shape[1]
        self.missing = np.isnan(badness)
        r_min = rank_rows(badness, "min")
        self.better = r_min - 1.0
        self.group = rank_rows(badness, "max") - r_min + 1.0
        breaking = "random" if ties == "random" else "first"
        self.position = rank_rows(badness, breaking, 0.0, keys) - r_min
        self.n_present = (~self.missing).sum(axis=1, keepdims=True).astype(float)
        self.n_missing = self.k - self.n_present
        worst = np.where(self.missing, -np.inf, r_min).max(axis=1, keepdims=True)
        self.worst_better = np.where(self.n_present > 0, worst - 1.0, 0.0)
        self.worst_group = (np.where(self.missing, False, r_min == worst)).sum(axis=1, keepdims=True).astype(float)

    def ranks(self, indices: np.ndarray, c: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Ranks ``(B, n, k)`` of the drawn cases ``indices (B, n)``; ``c`` copies and occurrence ``o`` ``(B, n, 1)``."""
        b, t, p = self.better[indices], self.group[indices], self.position[indices]
        if self.ties == "min":
            present = c * b + 1.0
        elif self.ties == "max":
            present = c * (b + t)
        elif self.ties == "average":
            present = c * b + (c * t + 1.0) / 2.0
        else:  # first, random: copies in draw order, algorithms in tie-breaking order within a copy
            present = c * b + p + 1.0 + t * o
        if not self.missing.any():
            return present
        return np.where(self.missing[indices], self._missing_ranks(indices, c, o, p), present)

    def _missing_ranks(self, indices: np.ndarray, c: np.ndarray, o: np.ndarray, p: np.ndarray) -> np.ndarray:
        n_present, n_missing = self.n_present[indices], self.n_missing[indices]
        worst_better, worst_group = self.worst_better[indices], self.worst_group[indices]
        if self.ties == "min":
            return np.where(n_present > 0, c * worst_better + 2.0, 1.0)
        if self.ties == "random":
            return c * n_present + 1.0
        if self.ties == "average":
            top = np.where(n_present > 0, c * worst_better + (c * worst_group + 1.0) / 2.0, 0.0)
            return top + (c * n_missing + 1.0) / 2.0
        if self.ties == "max":
            return c * self.k + 0.0 * p
        return c * n_present + p + 1.0 + n_missing * o  # first: missing values in first order after the present


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
    as R's ``wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = TRUE)``. A pair whose complete cases all
    have a zero difference gets p = 1, as in R; a pair without any complete case gets NaN.

    The absolute differences of every pair are sorted and grouped into ties once; zero and missing differences
    take no part. A bootstrap replicate only changes the case weights ``w`` (counts), so no sorting is needed
    per replicate: one compiled pass over each pair's sorted cases accumulates the weights
    (:func:`challengelab.ranking.signed_rank_loop.signed_rank_sums`). Copies of a case drawn several times tie
    with each other, as they do in R on the expanded sample.

    ``goodness (n, k)``: larger is better; NaN differences are excluded (pairwise complete cases).
    """

    def __init__(self, goodness: np.ndarray):
        n, k = goodness.shape
        self.n, self.k = n, k
        self.first, self.second = np.triu_indices(k, 1)
        d = np.ascontiguousarray((goodness[:, self.first] - goodness[:, self.second]).T)  # (P, n)
        complete = ~np.isnan(d)
        with np.errstate(invalid="ignore"):
            valid = complete & (d != 0)
        self.any_complete = complete.any(axis=1)  # (P,)
        self.complete = None if complete.all() else complete.T.astype(float)  # (n, P) when some are missing
        order = np.argsort(np.where(valid, np.abs(d), np.inf), axis=1)  # invalid entries last
        size = np.take_along_axis(np.abs(d), order, axis=1)
        keep = np.take_along_axis(valid, order, axis=1)
        starts = np.ones(keep.shape, bool)
        starts[:, 1:] = size[:, 1:] != size[:, :-1]
        self.cases = order[keep].astype(np.int64)  # row-major: pair by pair, the valid entries first
        self.group_start = starts[keep]
        self.positive = np.take_along_axis(d > 0, order, axis=1)[keep]
        self.offsets = np.zeros(len(self.first) + 1, np.int64)
        np.cumsum(keep.sum(axis=1), out=self.offsets[1:])

    @property
    def n_pairs(self) -> int:
        return len(self.first)

    def pvalues(self, counts: np.ndarray) -> np.ndarray:
        """Ordered-pair p-values ``(B, k, k)``: entry ``[b, i, j]`` tests "i is better than j"; diagonal NaN."""
        b, k = counts.shape[0], self.k
        out = np.full((b, k, k), np.nan)
        if self.n_pairs == 0:
            return out
        twice_t_plus, n_eff, ties = self._statistics(np.asarray(counts, dtype=float))
        p_greater, p_less = _normal_pvalues(twice_t_plus / 2.0, n_eff, ties)
        has_cases = self.any_complete if self.complete is None else (counts @ self.complete) > 0
        only_zeros = (n_eff == 0) & has_cases  # R: z = -+0.5 / 0, p = 1
        out[:, self.first, self.second] = np.where(only_zeros, 1.0, p_greater)
        out[:, self.second, self.first] = np.where(only_zeros, 1.0, p_less)
        return out

    def _statistics(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``2 T+``, the number of non-zero differences and the tie sum ``sum(t^3 - t)``, each ``(B, P)``."""
        from challengelab.ranking.signed_rank_loop import signed_rank_sums

        return signed_rank_sums(np.ascontiguousarray(counts, dtype=np.float64), self.cases, self.group_start,
                                self.positive, self.offsets)


def _normal_pvalues(t_plus: np.ndarray, n: np.ndarray, ties: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-values of the signed-rank statistic (normal approximation, continuity correction)."""
    mean = n * (n + 1.0) / 4.0
    var = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ties / 48.0
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(var > 0, var, np.nan))
        return ndtr(-(t_plus - mean - 0.5) / sd), ndtr((t_plus - mean + 0.5) / sd)
