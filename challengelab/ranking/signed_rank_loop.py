"""The compiled inner loop of the paired Wilcoxon signed-rank statistic under many case weightings.

Imported lazily by :class:`challengelab.ranking.engine.PairedWilcoxon` (numba's import and the loading of the
compiled code cost a few tenths of a second that a ranking without tests should not pay). The loop is compiled
once per machine and cached next to this file (or in numba's user-wide cache when that folder is read-only);
where no cache folder can be written at all, it is compiled once per process instead (about half a second).

One pass over a pair's cases, sorted once by ``|d|``, gathers each case's weight (its count in the bootstrap
sample) and keeps the cumulative weight: an entry's tie group in the weighted sample is its group of equal
``|d|`` in the data, copies of a case drawn several times included, so a group of weight ``W`` after
cumulative weight ``c`` gives every member the average rank ``c + (W + 1) / 2``. Everything is an integer
below 2**53 held in float64, so the sums are exact.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit


def compiled(function: Callable) -> Callable:
    """``function`` compiled without the GIL (so threads run in parallel), cached on disk when possible."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available" (nothing writable)
        return njit(nogil=True)(function)


@compiled
def signed_rank_sums(counts: np.ndarray, cases: np.ndarray, group_start: np.ndarray, positive: np.ndarray,
                     offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``2 T+``, the number of non-zero differences and the tie sum ``sum(t^3 - t)`` per replicate and pair.

    Parameters
    ----------
    counts : (B, n) float64
        Case weights of each replicate.
    cases, group_start, positive : (L,) int64, bool, bool
        For each pair in turn, its cases with a non-zero difference sorted by ``|d|``; whether the entry starts
        a new group of equal ``|d|``; whether its difference is positive.
    offsets : (P + 1,) int64
        Pair ``p`` owns the entries ``offsets[p]:offsets[p + 1]``.

    Returns
    -------
    twice_t_plus, n_eff, ties : (B, P) float64
    """
    n_boot, n_pairs = counts.shape[0], offsets.shape[0] - 1
    twice_t_plus = np.zeros((n_boot, n_pairs))
    n_eff = np.zeros((n_boot, n_pairs))
    ties = np.zeros((n_boot, n_pairs))
    for p in range(n_pairs):
        lo, hi = offsets[p], offsets[p + 1]
        for b in range(n_boot):
            w = counts[b]
            total = 0.0  # cumulative weight before the current group
            group = 0.0  # weight of the current group
            group_positive = 0.0  # ... of its positive entries
            t2 = 0.0
            tie = 0.0
            for j in range(lo, hi):
                if group_start[j]:
                    t2 += group_positive * (2.0 * total + group + 1.0)
                    tie += group * group * group - group
                    total += group
                    group = 0.0
                    group_positive = 0.0
                weight = w[cases[j]]
                group += weight
                if positive[j]:
                    group_positive += weight
            twice_t_plus[b, p] = t2 + group_positive * (2.0 * total + group + 1.0)
            ties[b, p] = tie + group * group * group - group
            n_eff[b, p] = total + group
    return twice_t_plus, n_eff, ties
