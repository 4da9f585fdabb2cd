"""Choice sets (risk sets) with Breslow ties, and the Firth-penalised likelihood over them.

Both stratified models become a list of choice sets: in each set, ``d`` of its rows are "chosen" (the events)
and the likelihood contribution is ``sum of chosen scores - d * log(sum of exp(score) over the set)``
(Breslow's handling of ties). The conditional logit has one set per stratum (its cases); the rank-ordered
logit one set per stratum and rank position (the rows at that rank among the rows not yet ranked). This is
exactly the counting-process layout in which R ``coxphf`` fits them. Sets are stored flat: one "pair" per
(set, member row), sorted by set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChoiceSets:
    x: np.ndarray  # (pairs, p): the member rows' predictors
    set_of: np.ndarray  # (pairs,): set index of each pair
    starts: np.ndarray  # (sets,): first pair of each set
    d: np.ndarray  # (sets,): number of events of each set
    event_x: np.ndarray  # (events, p): predictors of the event rows (every event once)


def conditional_sets(x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> ChoiceSets:
    """One set per stratum; the cases are its events."""
    order = np.argsort(codes, kind="stable")
    codes_sorted = codes[order]
    starts = np.flatnonzero(np.r_[True, codes_sorted[1:] != codes_sorted[:-1]])
    d = np.bincount(codes, weights=y)[codes_sorted[starts]]
    return ChoiceSets(x[order], np.cumsum(np.r_[True, codes_sorted[1:] != codes_sorted[:-1]]) - 1, starts, d,
                      x[y > 0])


def ranking_sets(x: np.ndarray, times: np.ndarray, codes: np.ndarray) -> ChoiceSets:
    """One set per stratum and distinct rank: the rows with that rank are the events, every row of the
    stratum with the same or a worse rank is in the set."""
    order = np.lexsort((times, codes))
    xs, ts, cs = x[order], times[order], codes[order]
    n = len(ts)
    new_group = np.r_[True, (cs[1:] != cs[:-1]) | (ts[1:] != ts[:-1])]
    first = np.flatnonzero(new_group)
    d = np.diff(np.r_[first, n]).astype(float)
    stratum_end = np.r_[np.flatnonzero(cs[1:] != cs[:-1]), n - 1][cs[first]]  # last row of the set's stratum
    size = stratum_end - first + 1
    set_of = np.repeat(np.arange(len(first)), size)
    starts = np.r_[0, np.cumsum(size)[:-1]]
    member = first[set_of] + np.arange(len(set_of)) - starts[set_of]
    return ChoiceSets(xs[member], set_of, starts, d, xs)


def breslow_function(sets: ChoiceSets, firth: bool = True):
    """``fun(beta) -> (loglik, score, information)``, Firth-penalised when ``firth``.

    The penalty is half the log-determinant of the information I; its gradient is
    ``0.5 * tr(I^-1 dI/dbeta_j) = 0.5 * sum_s d_s sum_i p_si h_si c_sij``, with ``c`` the member's predictors
    centred at the set's weighted mean and ``h = c' I^-1 c`` (the third central moments of each set).
    """
    x, set_of, starts, d = sets.x, sets.set_of, sets.starts, sets.d
    event_sum = sets.event_x.sum(axis=0)
    event_x = sets.event_x

    def fun(beta: np.ndarray):
        eta = x @ beta
        shift = np.maximum.reduceat(eta, starts)
        w = np.exp(eta - shift[set_of])
        s0 = np.add.reduceat(w, starts)
        prob = w / s0[set_of]
        mean = np.add.reduceat(prob[:, None] * x, starts, axis=0)
        c = x - mean[set_of]
        dp = d[set_of] * prob
        ll = float((event_x @ beta).sum() - d @ (np.log(s0) + shift))
        score = event_sum - d @ mean
        cw = c * np.sqrt(dp)[:, None]
        info = cw.T @ cw
        if not firth:
            return ll, score, info
        try:
            chol = np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return -np.inf, np.zeros_like(beta), info
        inv = np.linalg.inv(info)
        h = ((c @ inv) * c).sum(axis=1)
        penalty_score = 0.5 * ((dp * h) @ c)
        return ll + float(np.log(np.diag(chol)).sum()), score + penalty_score, info

    return fun
