"""Consensus ranking across tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from challengelab.ranking import engine

__all__ = ["consensus", "CONSENSUS_METHODS"]

CONSENSUS_METHODS = ("euclidean", "average_rank", "median_rank", "borda", "per_case")


def consensus(
    ranks: pd.DataFrame,
    method: str = "euclidean",
    weights: Mapping[Any, float] | None = None,
    ties: str = "min",
) -> pd.DataFrame:
    """Combine the rankings of several tasks into one.

    Parameters
    ----------
    ranks : DataFrame
        ``task``, ``algorithm``, ``rank`` (e.g. from :func:`rank`); for ``method="per_case"`` also ``case``
        (e.g. from :func:`case_ranks`).
    method : {"euclidean", "average_rank", "median_rank", "borda", "per_case"}
        ``euclidean`` (challengeR's default): re-score each task's ranks as average ranks (so ties count
        equally, e.g. two winners both get 1.5), then average over tasks; this is the ranking closest to the
        task rankings in summed squared (Euclidean) distance. ``average_rank`` and ``median_rank``: mean or
        median of the ranks as given. ``borda``: an algorithm scores, per task, the number of algorithms it
        beats (ties count one half), summed over tasks; larger is better. ``per_case``: mean of per-case ranks
        over all cases of all tasks.
    weights : mapping of task to weight, optional
        Task weights (weighted means and sums; ``per_case`` weights every case by its task's weight). Default:
        equal weights.
    ties : str
        Ties method of the consensus rank.

    Returns
    -------
    DataFrame
        ``algorithm``, ``score``, ``rank``, sorted by rank. Algorithms absent from some tasks are scored over
        the tasks they appear in.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import consensus
    >>> ranks = pd.DataFrame({"task": ["T1"] * 3 + ["T2"] * 3, "algorithm": list("ABC") * 2,
    ...                       "rank": [1, 1, 3, 2, 1, 3]})
    >>> consensus(ranks)
      algorithm  score  rank
    0         B   1.25     1
    1         A   1.75     2
    2         C   3.00     3
    """
    if method not in CONSENSUS_METHODS:
        raise ValueError(f"method must be one of {CONSENSUS_METHODS}")
    needed = {"task", "algorithm", "rank"} | ({"case"} if method == "per_case" else set())
    absent = needed - set(ranks.columns)
    if absent:
        raise ValueError(f"ranks lacks column(s) {sorted(absent)}")
    frame = ranks[list(needed)].copy()
    tasks = list(pd.unique(frame["task"]))
    if weights is None:
        w = {t: 1.0 for t in tasks}
    else:
        unknown = [t for t in weights if t not in tasks]
        if unknown:
            raise ValueError(f"weights name unknown task(s) {unknown}")
        missing = [t for t in tasks if t not in weights]
        if missing:
            raise ValueError(f"weights lack task(s) {missing}")
        w = {t: float(weights[t]) for t in tasks}
    frame["weight"] = frame["task"].map(w).astype(float)
    frame["rank"] = frame["rank"].astype(float)

    larger_is_better = False
    if method == "euclidean":
        frame["value"] = frame.groupby("task", sort=False)["rank"].rank(method="average")
    elif method == "borda":
        n = frame.groupby("task", sort=False)["rank"].transform("size")
        frame["value"] = n - frame.groupby("task", sort=False)["rank"].rank(method="average")
        larger_is_better = True
    else:
        frame["value"] = frame["rank"]

    algorithms = list(pd.unique(frame["algorithm"]))
    grouped = frame.groupby("algorithm", sort=False)
    if method == "borda":
        score = grouped.apply(lambda g: float((g["value"] * g["weight"]).sum()), include_groups=False)
    elif method == "median_rank":
        score = grouped.apply(lambda g: _weighted_median(g["value"].to_numpy(), g["weight"].to_numpy()),
                              include_groups=False)
    else:
        score = grouped.apply(lambda g: float(np.average(g["value"], weights=g["weight"])), include_groups=False)
    score = score.reindex(algorithms).to_numpy(dtype=float)
    keys = np.random.default_rng(0).random(len(score)) if ties == "random" else None
    ranked = engine.rank_rows(-score if larger_is_better else score, ties, 1e-10, keys)
    out = pd.DataFrame({"algorithm": algorithms, "score": score,
                        "rank": ranked if ties == "average" else ranked.astype(np.int64)})
    out = out.assign(_o=np.arange(len(out))).sort_values(["rank", "_o"], kind="stable").drop(columns="_o")
    out.attrs["consensus_method"] = method
    return out.reset_index(drop=True)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    if np.all(weights == weights[0]):
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    i = int(np.searchsorted(cum, 0.5))
    if np.isclose(cum[i], 0.5) and i + 1 < len(v):
        return float((v[i] + v[i + 1]) / 2)
    return float(v[i])
