"""Packing rows into per-stratum padded arrays for vectorised likelihoods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packed:
    """Rows arranged as ``(stratum, position)`` with strata sorted by size, largest first.

    ``x`` has shape (S, n_max, p); padding rows have ``valid == False``. ``active[k]`` is the number of strata
    with more than ``k`` members, so position ``k`` only needs the first ``active[k]`` strata.
    """

    x: np.ndarray
    y: np.ndarray
    valid: np.ndarray
    sizes: np.ndarray
    active: np.ndarray


def pack(x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> Packed:
    n_strata = int(codes.max()) + 1 if len(codes) else 0
    sizes = np.bincount(codes, minlength=n_strata)
    by_size = np.argsort(-sizes, kind="stable")
    slot = np.empty(n_strata, dtype=int)
    slot[by_size] = np.arange(n_strata)
    row_slot = slot[codes]
    order = np.argsort(row_slot, kind="stable")
    sorted_slot = row_slot[order]
    starts = np.searchsorted(sorted_slot, np.arange(n_strata))
    pos = np.arange(len(codes)) - starts[sorted_slot]
    sizes_sorted = sizes[by_size]
    n_max = int(sizes_sorted[0]) if n_strata else 0
    xp = np.zeros((n_strata, n_max, x.shape[1]))
    yp = np.zeros((n_strata, n_max))
    valid = np.zeros((n_strata, n_max), dtype=bool)
    xp[sorted_slot, pos] = x[order]
    yp[sorted_slot, pos] = y[order]
    valid[sorted_slot, pos] = True
    active = (sizes_sorted[None, :] > np.arange(n_max)[:, None]).sum(axis=1)
    return Packed(xp, yp, valid, sizes_sorted, active)
